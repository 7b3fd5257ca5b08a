#pragma once
// What the run log records of a finished run of any tab: its kind, the form's problem and estimator it ran
// on, its full settings (the `config` of its JSON, as the command line writes it) and its result in one line.
#include <QString>

#include <optional>

#include "JobResult.h"

namespace ts::ui {

struct RunRecord {
  QString kind;  ///< RunLog::add's kinds
  CompareRequest config;
  QString settings;  ///< JSON text
  QString summary;
  std::optional<double> seconds;  ///< the run's own time, where its result has one
};

/// The record of `result`, run while the form described `form`; nothing for a comparison (the Convergence
/// tab logs those with their curves) or a result that is not a run (a data preview).
std::optional<RunRecord> run_record(const JobResult& result, const CompareRequest& form);

}  // namespace ts::ui
