#pragma once
// The compute configuration every engine test uses: float64 on TS_TEST_DEVICE (default cpu).
#include <ATen/ATen.h>

#include "TestHarness.h"
#include "core/Config.h"
#include "core/TorchUtil.h"

namespace ts::test {
inline ComputeConfig config() {
  ComputeConfig c;
  c.device = device();
  c.dtype = "float64";
  return c;
}

/// float64 on the test device.
inline at::TensorOptions f64() {
  return at::TensorOptions().dtype(at::kDouble).device(parse_device(device()));
}

/// n seeded standard-normal inputs of dimension dim, float64 on the test device.
inline at::Tensor inputs(int64_t n, int64_t dim, uint64_t seed) {
  auto gen = make_generator(seed);
  return draw_normal(gen, {n, dim}, f64());
}
}  // namespace ts::test
