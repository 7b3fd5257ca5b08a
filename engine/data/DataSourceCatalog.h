#pragma once
// The one table of data sources (docs/FORMATS.md, "Data specs"): each kind's spec syntax, what it is, what
// it holds, and how it loads. load_data dispatches through it; the CLI's help, the app's data list and the
// input size of the app's built-in models, and the generated option tables of the docs all read it. A new
// data source is its loader and one entry here.
#include <cstdint>
#include <string>
#include <vector>

namespace ts {

class Spec;
struct Dataset;
struct InputType;

/// What a loader is given: the parsed spec (its getters mark keys as read; the loader calls finish()), and
/// the request around it.
struct DataLoadContext {
  const Spec& spec;
  const std::vector<int64_t>& model_shape;  ///< the model's input shape, empty when unknown
  uint64_t seed = 0;                        ///< seed= of the spec, else the run's seed
  int64_t n = 0;                            ///< n= of the spec (0: all), or the default size of `random`
  int64_t memory_budget = 0;
  const InputType& input_type;
};

struct DataSourceInfo {
  std::string kind;     ///< as typed in a spec: "moons"
  std::string label;    ///< as shown: "Two moons"
  std::string syntax;   ///< the spec with its keys: "moons:size=200,noise=0.1"
  std::string summary;  ///< one line: what it holds
  /// Generated from a seed: n= is the number of points (like size=), not a subset.
  bool generated = false;
  /// Returned as drawn: no subset, standardisation or integer conversion afterwards (random inputs).
  bool raw = false;
  int64_t default_n = 0;  ///< n when the spec gives none (0: all)
  /// A data set of the app's data list (no path to choose); `shape`/`classes` size its built-in models.
  bool app_listed = false;
  std::vector<int64_t> shape;  ///< one input of a built-in data set, e.g. {1, 8, 8} (empty: from the file)
  int64_t classes = 0;         ///< classes of a built-in data set (0: from the file, or regression)
  /// The Active-learning tab's spec of a built-in data set, at a size that trains in seconds (empty: not
  /// offered there, e.g. regression data, which has no classes to query).
  std::string al_example;
  /// Needs scripts/fetch-data NAME first (empty: shipped, generated, or the user's own download).
  std::string fetch;
  Dataset (*load)(const DataLoadContext& c) = nullptr;
};

/// Every data source, in the order help and the app list them.
const std::vector<DataSourceInfo>& data_sources();

/// The entry of `kind`; throws InputError listing the kinds when there is none (`what` names the spec).
const DataSourceInfo& find_data_source(const std::string& kind, const std::string& what);

/// "random, csv, npy, …" (for messages and help).
std::string data_source_list();

}  // namespace ts
