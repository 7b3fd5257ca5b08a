#pragma once
// The independent reference values that tests/fixtures/make_fixtures.py writes (PyTorch, float64), and
// helpers to turn its lists into tensors. Shared by the engine tests that check TorchScript models.
#include <ATen/ATen.h>

#include <fstream>
#include <sstream>

#include "TestHarness.h"
#include "core/Json.h"

namespace ts::test {

inline Json reference() {
  std::ifstream f(fixtures() + "/reference.json");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_json(ss.str(), "reference.json");
}

inline std::vector<int64_t> shape_of(const Json& list) {
  std::vector<int64_t> s;
  for (const auto& x : list) s.push_back(static_cast<int64_t>(x.get<double>()));
  return s;
}

inline at::Tensor tensor_of(const Json& list, const std::vector<int64_t>& shape, const at::TensorOptions& o) {
  std::vector<double> v;
  for (const auto& x : list) v.push_back(x.get<double>());
  return at::tensor(v, at::kDouble).reshape(shape).to(o);
}

inline std::vector<std::string> strings_of(const Json& list) {
  std::vector<std::string> s;
  for (const auto& x : list) s.push_back(x.get<std::string>());
  return s;
}

}  // namespace ts::test
