#pragma once
// The one table of kernel metrics (docs/MATH.md §5): names as typed, symbols as shown, what each is, and
// which the app computes by default. compute_metrics dispatches on these names; the CLI's help and
// validation, the app's tables, legends and colours, and the docs' option tables read it.
#include <string>
#include <vector>

namespace ts {

struct MetricInfo {
  std::string name;                  ///< as typed and in JSON: "effective_rank"
  std::string symbol;                ///< as shown: "r_eff(K)" in the notation of docs/MATH.md
  std::string label;                 ///< in words: "effective rank"
  std::string summary;               ///< one line: its definition
  bool needs_second_kernel = false;  ///< compares K₁ with a second snapshot's K₂ (--model-b)
  bool needs_targets = false;        ///< needs labels or regression targets of the data
};

/// Every metric, in the order help, tables and charts list them.
const std::vector<MetricInfo>& metric_catalog();
/// The names of metric_catalog(), in order.
const std::vector<std::string>& metric_names();
/// The entry named `name`; throws InputError listing the metrics when there is none.
const MetricInfo& find_metric(const std::string& name);
/// "trace, frobenius, …" (for messages and help).
std::string metric_list();

}  // namespace ts
