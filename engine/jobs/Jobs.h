#pragma once
// Every job of the engine, for callers that run several (the command-line tool, the app's engine thread).
// Each job is one header: a …Request struct, a …Result struct and a run function; JSON is written at the
// edges only (results/ResultJson.h). No LibTorch in these headers: ui/ includes them.
#include "jobs/AlJob.h"
#include "jobs/CompareJob.h"
#include "jobs/DataPreview.h"
#include "jobs/DynamicsJob.h"
#include "jobs/HessianJob.h"
#include "jobs/KernelJob.h"
#include "jobs/LayersJob.h"
#include "jobs/MetricsJob.h"
#include "jobs/PntkJob.h"
#include "jobs/PntkWidthJob.h"
#include "jobs/ProblemSpec.h"
#include "jobs/ProblemSummary.h"
#include "jobs/RunPlanning.h"
#include "jobs/SpectrumJob.h"
#include "jobs/TraceJob.h"
#include "jobs/WatchJob.h"
