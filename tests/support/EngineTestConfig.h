#pragma once
// The compute configuration every engine test uses: float64 on TS_TEST_DEVICE (default cpu).
#include "TestHarness.h"
#include "core/Config.h"

namespace ts::test {
inline ComputeConfig config() {
  ComputeConfig c;
  c.device = device();
  c.dtype = "float64";
  return c;
}
}  // namespace ts::test
