#include "core/TorchUtil.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include "core/Errors.h"

namespace ts {

at::ScalarType parse_dtype(const std::string& name) {
  if (name == "float64" || name == "double") return at::kDouble;
  if (name == "float32" || name == "float") return at::kFloat;
  throw InputError("dtype '" + name + "' is not supported: use float32 or float64");
}

at::Device parse_device(const std::string& name) {
  at::Device dev(at::kCPU);
  try {
    dev = at::Device(name);
  } catch (const std::exception&) {
    throw InputError("device '" + name + "' is not understood: use cpu or cuda (or cuda:N)");
  }
  if (dev.is_cuda() && !at::hasCUDA())
    throw InputError("device '" + name + "': this LibTorch has no CUDA support or no GPU is visible");
  if (!dev.is_cpu() && !dev.is_cuda())
    throw InputError("device '" + name + "': only cpu and cuda are supported");
  return dev;
}

at::TensorOptions tensor_options(const ComputeConfig& config) {
  return at::TensorOptions().dtype(parse_dtype(config.dtype)).device(parse_device(config.device));
}

void apply_threads(const ComputeConfig& config) {
  if (config.threads > 0) at::set_num_threads(config.threads);
}

std::string dtype_name(at::ScalarType t) {
  if (t == at::kDouble) return "float64";
  if (t == at::kFloat) return "float32";
  return std::string(c10::toString(t));
}

std::string InputType::name() const {
  return dtype == at::kLong ? "int64" : dtype == at::kInt ? "int32" : "float";
}

at::ScalarType parse_input_dtype(const std::string& name, const std::string& what) {
  if (name.empty() || name == "float" || name == "float32" || name == "float64") return at::kDouble;
  if (name == "int64" || name == "long") return at::kLong;
  if (name == "int32" || name == "int") return at::kInt;
  throw InputError(what + ": input dtype '" + name + "' is not float, int64 or int32");
}

at::Tensor to_model_input(const at::Tensor& x, const at::TensorOptions& options) {
  if (x.is_floating_point()) return x.to(options);
  return x.to(options.device());
}

at::Generator make_generator(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

namespace {
at::TensorOptions cpu_double() { return at::TensorOptions().dtype(at::kDouble).device(at::kCPU); }
}  // namespace

at::Tensor draw_normal(at::Generator& gen, at::IntArrayRef shape, const at::TensorOptions& target) {
  return at::normal(0.0, 1.0, shape, gen, cpu_double()).to(target);
}

namespace {

// Matsumoto and Nishimura's Mersenne twister (MT19937), step for step as at::mt19937 runs it, but a block of
// 624 outputs at a time in loops the compiler vectorises: at::mt19937 makes one call, one branch and one
// tempering per number (about 8 ns each here, which made FHutch's millions of signs cost more than its JVPs).
constexpr int kMtN = 624, kMtM = 397;

inline uint32_t mt_twist(uint32_t u, uint32_t v) {
  return (((u & 0x80000000U) | (v & 0x7fffffffU)) >> 1) ^ ((v & 1U) != 0 ? 0x9908b0dfU : 0U);
}

void mt_next_state(uint32_t* __restrict p) {
  for (int i = 0; i < kMtN - kMtM; ++i) p[i] = p[i + kMtM] ^ mt_twist(p[i], p[i + 1]);
  for (int i = kMtN - kMtM; i < kMtN - 1; ++i) p[i] = p[i + kMtM - kMtN] ^ mt_twist(p[i], p[i + 1]);
  p[kMtN - 1] = p[kMtM - 1] ^ mt_twist(p[kMtN - 1], p[0]);
}

// n signs 2·bit − 1 from the low bits of the engine's next n outputs; the engine is left as n calls of
// at::mt19937::operator() would leave it (its "left" counter reaching 0 triggers the next block).
template <class T>
void mt_signs(at::mt19937& engine, T* out, int64_t n) {
  at::mt19937_data_pod d = engine.data();
  uint32_t* state = d.state_.data();
  for (int64_t i = 0; i < n;) {
    int64_t avail = d.left_ - 1;
    if (avail == 0) {
      mt_next_state(state);
      d.left_ = kMtN + 1;
      d.next_ = 0;
      avail = kMtN;
    }
    const int64_t c = std::min<int64_t>(avail, n - i);
    const uint32_t* src = state + d.next_;
    for (int64_t j = 0; j < c; ++j) {
      uint32_t y = src[j];
      y ^= y >> 11;
      y ^= (y << 7) & 0x9d2c5680U;
      y ^= (y << 15) & 0xefc60000U;
      y ^= y >> 18;
      out[i + j] = static_cast<T>(static_cast<int>(y & 1U) * 2 - 1);
    }
    d.left_ -= static_cast<int>(c);
    d.next_ += static_cast<uint32_t>(c);
    i += c;
  }
  engine.set_data(d);
}

}  // namespace

at::Tensor draw_rademacher(at::Generator& gen, at::IntArrayRef shape, const at::TensorOptions& target) {
  // The stream of at::randint(0, 2, shape, gen): one 32-bit draw of the generator's Mersenne twister per
  // entry, its low bit as 2·bit − 1 (test_torch_util checks the two agree), written straight into the
  // target's dtype instead of through three [shape] tensors in float64.
  const at::ScalarType type = target.dtype().toScalarType() == at::kFloat ? at::kFloat : at::kDouble;
  at::Tensor t = at::empty(shape, cpu_double().dtype(type));
  auto* impl = at::check_generator<at::CPUGeneratorImpl>(gen);
  {
    const std::lock_guard<std::mutex> lock(gen.mutex());
    at::mt19937 engine = impl->engine();
    if (type == at::kFloat)
      mt_signs(engine, t.data_ptr<float>(), t.numel());
    else
      mt_signs(engine, t.data_ptr<double>(), t.numel());
    impl->set_engine(engine);
  }
  return t.to(target);
}

at::Tensor draw_uniform(at::Generator& gen, at::IntArrayRef shape, double lo, double hi,
                        const at::TensorOptions& target) {
  return (at::rand(shape, gen, cpu_double()) * (hi - lo) + lo).to(target);
}

at::Tensor flatten_all(const std::vector<at::Tensor>& ts) {
  std::vector<at::Tensor> flat;
  flat.reserve(ts.size());
  for (const auto& t : ts) flat.push_back(t.reshape({-1}));
  return at::cat(flat);
}

int64_t total_numel(const std::vector<at::Tensor>& ts) {
  int64_t n = 0;
  for (const auto& t : ts) n += t.numel();
  return n;
}

void check_finite(const at::Tensor& t, const std::string& what) {
  if (!at::isfinite(t).all().item<bool>()) throw NumericalError(what + " contains NaN or Inf");
}

at::Tensor index_tensor(const std::vector<int64_t>& positions) {
  return at::tensor(at::IntArrayRef(positions), at::TensorOptions().dtype(at::kLong));
}

}  // namespace ts
