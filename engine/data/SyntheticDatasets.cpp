// Seeded synthetic data sets (the shapes researchers sketch kernels on): moons, spirals, blobs, a sine.
#include <cmath>

#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "data/Data.h"

namespace ts {

namespace {
const at::TensorOptions kF64 = at::TensorOptions().dtype(at::kDouble);
void check_n(int64_t n, const char* what) {
  if (n <= 0) throw InputError(std::string(what) + ": n must be positive, got " + std::to_string(n));
}
std::vector<std::string> numbered(int64_t k) {
  std::vector<std::string> names;
  for (int64_t c = 0; c < k; ++c) names.push_back(std::to_string(c));
  return names;
}
}  // namespace

Dataset make_moons(int64_t n, double noise, uint64_t seed) {
  check_n(n, "moons");
  auto gen = make_generator(seed);
  const int64_t n0 = n / 2, n1 = n - n0;
  const at::Tensor t0 = at::linspace(0, M_PI, n0, kF64), t1 = at::linspace(0, M_PI, n1, kF64);
  const at::Tensor upper = at::stack({at::cos(t0), at::sin(t0)}, 1);
  const at::Tensor lower = at::stack({1 - at::cos(t1), 0.5 - at::sin(t1)}, 1);
  Dataset d;
  d.inputs = at::cat({upper, lower}) + noise * draw_normal(gen, {n, 2}, kF64);
  d.labels = at::cat({at::zeros({n0}, at::kLong), at::ones({n1}, at::kLong)});
  d.num_classes = 2;
  d.class_names = numbered(2);
  d.description = "two moons: " + std::to_string(n) + " points, noise " + std::to_string(noise);
  return d;
}

Dataset make_spirals(int64_t n, int64_t classes, double noise, uint64_t seed) {
  check_n(n, "spirals");
  if (classes < 2) throw InputError("spirals: classes must be at least 2");
  auto gen = make_generator(seed);
  std::vector<at::Tensor> xs, ys;
  for (int64_t c = 0; c < classes; ++c) {
    const int64_t m = n / classes + (c < n % classes ? 1 : 0);
    const at::Tensor r = at::linspace(0.05, 1.0, m, kF64);
    const at::Tensor th =
        r * 4.0 + 2.0 * M_PI * double(c) / double(classes) + noise * draw_normal(gen, {m}, kF64);
    xs.push_back(at::stack({r * at::cos(th), r * at::sin(th)}, 1));
    ys.push_back(at::full({m}, c, at::kLong));
  }
  Dataset d;
  d.inputs = at::cat(xs);
  d.labels = at::cat(ys);
  d.num_classes = classes;
  d.class_names = numbered(classes);
  d.description = std::to_string(classes) + " spirals: " + std::to_string(n) + " points";
  return d;
}

Dataset make_blobs(int64_t n, int64_t classes, int64_t dim, double std, double spread, uint64_t seed) {
  check_n(n, "blobs");
  if (classes < 1 || dim < 1) throw InputError("blobs: classes and dim must be positive");
  auto gen = make_generator(seed);
  const at::Tensor centres = draw_uniform(gen, {classes, dim}, -spread, spread, kF64);
  const at::Tensor labels = at::arange(n, at::kLong).remainder(classes);
  Dataset d;
  d.inputs = centres.index_select(0, labels) + std * draw_normal(gen, {n, dim}, kF64);
  d.labels = labels;
  d.num_classes = classes;
  d.class_names = numbered(classes);
  d.description = std::to_string(classes) + " Gaussian blobs in " + std::to_string(dim) +
                  "-D: " + std::to_string(n) + " points";
  return d;
}

Dataset make_sine(int64_t n, double noise, uint64_t seed) {
  check_n(n, "sine");
  auto gen = make_generator(seed);
  Dataset d;
  d.inputs = draw_uniform(gen, {n, 1}, -M_PI, M_PI, kF64);
  d.targets = at::sin(d.inputs) + noise * draw_normal(gen, {n, 1}, kF64);
  d.description = "sine regression: " + std::to_string(n) + " points, noise " + std::to_string(noise);
  return d;
}

}  // namespace ts
