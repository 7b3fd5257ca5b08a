#pragma once
// What the engine thread hands the UI: a job's typed result, and partial results while it runs. Both travel
// through queued signals, so they are registered Qt meta-types (registerEngineTypes, EngineClient.cpp).
#include <QMetaType>

#include <memory>
#include <variant>

#include "core/RunControl.h"
#include "jobs/Jobs.h"

namespace ts::ui {

/// Every result a job of the app can return.
using JobResult = std::variant<std::monostate, TraceResult, CompareResult, MetricsResult, SpectrumResult,
                               DynamicsResult, DataPreview, ProblemSummary, PntkResult, PntkWidthResult,
                               HessianResult, AlResult, LayersResult, KernelResult, WatchResult>;

/// Shared, immutable: a result is read by every panel that listens, and never copied on the way.
using JobResultPtr = std::shared_ptr<const JobResult>;

}  // namespace ts::ui

Q_DECLARE_METATYPE(ts::ui::JobResultPtr)
Q_DECLARE_METATYPE(ts::PartialResult)
