#pragma once
// A summary of the model a problem describes, for the app's model panel and `tangentscope-cli info`.
#include <cstdint>
#include <string>
#include <vector>

namespace ts {

struct ProblemSpec;

struct ProblemSummary {
  std::string model;  ///< the model as given
  std::string kind;
  std::string input_shape, output_shape;
  std::string input_dtype = "float";  ///< "float", or "int64"/"int32" for a model taking integers
  std::vector<int64_t> input_range;   ///< integers: [low, high) as the file records it; else empty
  int64_t params = 0;                 ///< P, the parameters the kernel is taken over
  int64_t params_total = 0, params_frozen = 0;
  int64_t d = 0;
  std::string data;
  std::vector<std::string> layers;
  std::vector<std::string> parameter_names, parameters;  ///< names; one line per parameter tensor
  int64_t exact_kernel_bytes = 0;                        ///< memory of the exact kernel
  std::vector<std::string> class_names;                  ///< from the model file\'s metadata, if any
  std::vector<std::string> notes;  ///< how the model file was read (metadata, forward overload, output)
};

/// Loads the model and data and describes them.
ProblemSummary describe_problem(const ProblemSpec& problem);

}  // namespace ts
