#pragma once
// A few samples of a data set, for the app's data preview.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ts {

struct PreviewSample {
  std::optional<int64_t> label;
  std::string class_name;      ///< empty where the data set names no classes
  std::vector<double> pixels;  ///< the input flattened row-major (0…1 for images)
};

struct DataPreview {
  std::string description;
  int64_t size = 0;
  std::vector<int64_t> image_shape;  ///< empty when the inputs are not images
  int64_t classes = 0;
  std::vector<PreviewSample> samples;
};

/// At most `count` samples: the first of a seeded, stratified subset.
DataPreview preview_data(const std::string& data_spec, int count, uint64_t seed = 0);

}  // namespace ts
