#pragma once
// Option readers shared by the command implementations of tangentscope-cli.
#include <iosfwd>
#include <string>
#include <vector>

#include "CliArgs.h"
#include "Jobs.h"

namespace ts::cli {

std::vector<std::string> split_list(const std::string& s);
ComputeConfig compute_from(const Args& a);
ProblemSpec problem_from(const Args& a);
EstimatorOptions estimator_from(const Args& a);
std::string fmt(double v);

/// train (metrics = false) and dynamics (metrics = true).
int cmd_train(const Args& a, std::ostream& out, bool metrics);

}  // namespace ts::cli
