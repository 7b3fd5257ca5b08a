#pragma once
// What a TorchScript file says about itself before it is loaded: the metadata scripts/export-model embeds
// (docs/FORMATS.md), read from the archive's zip directory without LibTorch, so the app can ask for an input
// shape only when the file does not carry one. No LibTorch here: ui/ includes it.
#include <cstdint>
#include <string>
#include <vector>

namespace ts {

struct ModelFileInfo {
  bool has_metadata = false;         ///< the archive holds tangentscope.json
  std::vector<int64_t> input_shape;  ///< empty when the file does not record it
  std::vector<int64_t> output_shape;
  std::string output;  ///< the output selector recorded, if any
  std::vector<std::string> class_names;
  std::string dtype;
  std::string input_dtype;  ///< "float", "int64" or "int32"; empty when not recorded (float)
  int64_t parameters = -1, trainable_parameters = -1, frozen_parameters = -1;  ///< -1: not recorded
};

/// Reads `path`'s metadata. A TorchScript file without metadata (plain torch.jit.save) gives has_metadata =
/// false; a file that is not a zip archive (not TorchScript) or a malformed metadata member throws InputError
/// naming the file.
ModelFileInfo read_model_file_info(const std::string& path);

}  // namespace ts
