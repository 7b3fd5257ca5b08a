#include "models/BuiltinModels.h"

#include <torch/csrc/jit/api/module.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/Errors.h"
#include "core/Numbers.h"
#include "core/TorchUtil.h"
#include "io/OutputFiles.h"
#include "models/ModelCatalog.h"

namespace ts {

Activation parse_activation(const std::string& name, const std::string& what) {
  if (name == "relu") return Activation::Relu;
  if (name == "tanh") return Activation::Tanh;
  if (name == "gelu") return Activation::Gelu;
  if (name == "erf") return Activation::Erf;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "none" || name == "linear" || name == "identity") return Activation::Identity;
  throw InputError(what + ": activation '" + name + "' is not one of " + activation_list());
}

at::Tensor activate(Activation a, const at::Tensor& x) {
  switch (a) {
    case Activation::Relu:
      return at::relu(x);
    case Activation::Tanh:
      return at::tanh(x);
    case Activation::Gelu:
      return at::gelu(x);
    case Activation::Erf:
      return at::erf(x);
    case Activation::Sigmoid:
      return at::sigmoid(x);
    case Activation::Identity:
      return x;
  }
  return x;
}

namespace {

// TorchScript source of an activation applied to the variable `v`.
std::string script_activation(Activation a, const std::string& v) {
  switch (a) {
    case Activation::Relu:
      return "torch.relu(" + v + ")";
    case Activation::Tanh:
      return "torch.tanh(" + v + ")";
    case Activation::Gelu:
      return "torch.gelu(" + v + ")";
    case Activation::Erf:
      return "torch.erf(" + v + ")";
    case Activation::Sigmoid:
      return "torch.sigmoid(" + v + ")";
    case Activation::Identity:
      return v;
  }
  return v;
}

std::string num(double v) {
  std::string s = format_number(v, 17);  // TorchScript source: '.' whatever the locale
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

// Writes a TorchScript module with the given parameters and forward source.
void save_script(const std::string& class_name, const std::vector<std::string>& names,
                 const std::vector<at::Tensor>& params, const std::string& source, const std::string& path) {
  torch::jit::Module m(c10::QualifiedName("__torch__.tangentscope." + class_name));
  // Saved as trainable (requires_grad): a reloaded model's NTK is over the same parameters.
  for (size_t i = 0; i < names.size(); ++i)
    m.register_parameter(names[i], params[i].detach().clone().requires_grad_(true), false);
  try {
    m.define(source);
  } catch (const std::exception& e) {
    // A bug in the generated source, not the user's input: report it whole.
    std::string msg = e.what();
    for (char& c : msg)
      if (c == '\n') c = ' ';
    throw Error("internal error: cannot compile the TorchScript of " + class_name + ":" + msg);
  }
  // Serialised in memory, then written atomically: a full disk is an error here, not an exception escaping
  // LibTorch's stream writer.
  std::ostringstream bytes;
  m.save(bytes);
  write_file_atomic(path, bytes.str());
}

class Mlp : public Model {
 public:
  Mlp(const Spec& spec, const std::vector<int64_t>& input_shape, uint64_t seed) {
    spec_ = spec.text();
    int64_t in = spec.get_int("in", 0, 0, int64_t(1) << 30);
    if (in == 0) {
      if (input_shape.empty()) throw InputError("model '" + spec_ + "': give in=... or an input shape");
      in = 1;
      for (auto s : input_shape) in *= s;
    }
    width_ = spec.get_int("width", 64, 1, int64_t(1) << 24);
    depth_ = spec.get_int("depth", 2, 1, 10000);
    out_ = spec.get_int("out", 10, 1, int64_t(1) << 24);
    act_ = parse_activation(spec.get("act", "relu"), "model '" + spec_ + "'");
    final_act_ = parse_activation(spec.get("final_act", "none"), "model '" + spec_ + "'");
    bias_ = spec.get_bool("bias", true);
    const std::string param = spec.get("param", "standard");
    if (param != "standard" && param != "ntk")
      throw InputError("model '" + spec_ + "': param must be standard or ntk, got '" + param + "'");
    ntk_ = param == "ntk";
    w_std_ = spec.get_double("w_std", 1.0);
    b_std_ = spec.get_double("b_std", 0.1);
    seed = spec.get_seed("seed", seed);
    spec.finish();
    if (in <= 0 || width_ <= 0 || depth_ <= 0 || out_ <= 0)
      throw InputError("model '" + spec_ + "': in, width, depth and out must be positive");
    input_shape_ = input_shape.empty() ? std::vector<int64_t>{in} : input_shape;
    int64_t flat = 1;
    for (auto s : input_shape_) flat *= s;
    if (flat != in)
      throw InputError("model '" + spec_ + "': input shape [" + shape_to_string(input_shape_) + "] has " +
                       std::to_string(flat) + " values but the MLP takes in=" + std::to_string(in));

    auto gen = make_generator(seed);
    const auto opts = at::TensorOptions().dtype(at::kDouble);
    for (int64_t l = 0; l < depth_; ++l) {
      const int64_t fi = l == 0 ? in : width_;
      const int64_t fo = l == depth_ - 1 ? out_ : width_;
      const double bound = 1.0 / std::sqrt(static_cast<double>(fi));
      names_.push_back("w" + std::to_string(l));
      params_.push_back(ntk_ ? draw_normal(gen, {fo, fi}, opts)
                             : draw_uniform(gen, {fo, fi}, -bound, bound, opts));
      if (bias_) {
        names_.push_back("b" + std::to_string(l));
        params_.push_back(ntk_ ? draw_normal(gen, {fo}, opts) : draw_uniform(gen, {fo}, -bound, bound, opts));
      }
      fan_in_.push_back(fi);
    }
    select_parameters("all");
  }

  at::Tensor forward(const std::vector<at::Tensor>& p, const at::Tensor& x) const override {
    at::Tensor h = x.reshape({x.size(0), -1});
    size_t k = 0;
    for (int64_t l = 0; l < depth_; ++l) {
      const at::Tensor& w = p[k++];
      if (ntk_) {
        h = at::matmul(h, w.t()) * (w_std_ / std::sqrt(static_cast<double>(fan_in_[l])));
        if (bias_) h = h + p[k++] * b_std_;
      } else {
        h = bias_ ? at::linear(h, w, p[k++]) : at::linear(h, w);
      }
      h = activate(l == depth_ - 1 ? final_act_ : act_, h);
    }
    return h;
  }

  bool has_replicated_forward() const override { return true; }

  // Weights [R, out, in], biases [R, out]; x is shared: h [R, N, features].
  at::Tensor forward_replicated(const std::vector<at::Tensor>& p, const at::Tensor& x) const override {
    const int64_t r = p[0].size(0);
    at::Tensor h = x.reshape({1, x.size(0), -1}).expand({r, x.size(0), -1});
    size_t k = 0;
    for (int64_t l = 0; l < depth_; ++l) {
      const at::Tensor& w = p[k++];
      if (ntk_) {
        h = at::bmm(h, w.transpose(1, 2)) * (w_std_ / std::sqrt(static_cast<double>(fan_in_[l])));
        if (bias_) h = h + p[k++].unsqueeze(1) * b_std_;
      } else if (bias_) {
        h = at::baddbmm(p[k++].unsqueeze(1), h, w.transpose(1, 2));
      } else {
        h = at::bmm(h, w.transpose(1, 2));
      }
      h = activate(l == depth_ - 1 ? final_act_ : act_, h);
    }
    return h;
  }

  std::string kind() const override { return "mlp"; }

  std::vector<std::string> layer_summary() const override {
    std::vector<std::string> out;
    for (int64_t l = 0; l < depth_; ++l) {
      const int64_t fo = l == depth_ - 1 ? out_ : width_;
      out.push_back("Linear(" + std::to_string(fan_in_[l]) + "→" + std::to_string(fo) +
                    (bias_ ? "" : ", no bias") + (ntk_ ? ", NTK param" : "") + ")");
    }
    return out;
  }

  void save_torchscript(const std::string& path) const override {
    std::ostringstream src;
    src << "def forward(self, x):\n    h = x.reshape([x.size(0), -1])\n";
    for (int64_t l = 0; l < depth_; ++l) {
      const std::string w = "self.w" + std::to_string(l), b = "self.b" + std::to_string(l);
      if (ntk_) {
        src << "    h = torch.matmul(h, " << w << ".t()) * " << num(w_std_ / std::sqrt(double(fan_in_[l])))
            << "\n";
        if (bias_) src << "    h = h + " << b << " * " << num(b_std_) << "\n";
      } else {
        src << "    h = torch.linear(h, " << w << (bias_ ? ", " + b : std::string()) << ")\n";
      }
      src << "    h = " << script_activation(l == depth_ - 1 ? final_act_ : act_, "h") << "\n";
    }
    src << "    return h\n";
    save_script("MLP", names_, params_, src.str(), path);
  }

  std::shared_ptr<Model> clone() const override { return std::make_shared<Mlp>(*this); }

  std::vector<DenseLayer> layers() const {
    std::vector<DenseLayer> out;
    size_t k = 0;
    for (int64_t l = 0; l < depth_; ++l) {
      DenseLayer d;
      d.weight = params_[k++].detach();
      if (bias_) d.bias = params_[k++].detach();
      if (ntk_) {
        d.w_scale = w_std_ / std::sqrt(static_cast<double>(fan_in_[static_cast<size_t>(l)]));
        d.b_scale = b_std_;
      }
      d.act = l == depth_ - 1 ? final_act_ : act_;
      out.push_back(std::move(d));
    }
    return out;
  }

 private:
  int64_t width_ = 0, depth_ = 0, out_ = 0;
  Activation act_ = Activation::Relu, final_act_ = Activation::Identity;
  bool bias_ = true, ntk_ = false;
  double w_std_ = 1, b_std_ = 0.1;
  std::vector<int64_t> fan_in_;
};

class Gru : public Model {
 public:
  Gru(const Spec& spec, const std::vector<int64_t>& input_shape, uint64_t seed) {
    spec_ = spec.text();
    in_ = spec.get_int("in", input_shape.size() == 2 ? input_shape[1] : 10);
    hidden_ = spec.get_int("hidden", 64, 1, int64_t(1) << 20);
    const int64_t steps = spec.get_int("steps", input_shape.size() == 2 ? input_shape[0] : 15);
    seed = spec.get_seed("seed", seed);
    spec.finish();
    if (in_ <= 0 || hidden_ <= 0 || steps <= 0)
      throw InputError("model '" + spec_ + "': in, hidden and steps must be positive");
    input_shape_ = {steps, in_};
    if (!input_shape.empty() && input_shape != input_shape_)
      throw InputError("model '" + spec_ + "': a GRU input is [steps, in] = [" +
                       shape_to_string(input_shape_) + "], not [" + shape_to_string(input_shape) + "]");
    auto gen = make_generator(seed);
    const auto opts = at::TensorOptions().dtype(at::kDouble);
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_));
    names_ = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"};
    params_ = {draw_uniform(gen, {3 * hidden_, in_}, -bound, bound, opts),
               draw_uniform(gen, {3 * hidden_, hidden_}, -bound, bound, opts),
               draw_uniform(gen, {3 * hidden_}, -bound, bound, opts),
               draw_uniform(gen, {3 * hidden_}, -bound, bound, opts)};
    select_parameters("all");
  }

  at::Tensor forward(const std::vector<at::Tensor>& p, const at::Tensor& x) const override {
    // PyTorch's GRU: r, z, n gates; h' = (1 − z) ⊙ n + z ⊙ h.
    const int64_t n = x.size(0), steps = x.size(1);
    at::Tensor gi = at::linear(x, p[0], p[2]);  // [N, T, 3H] for all steps at once
    at::Tensor h = at::zeros({n, hidden_}, x.options());
    std::vector<at::Tensor> outs;
    outs.reserve(static_cast<size_t>(steps));
    for (int64_t t = 0; t < steps; ++t) {
      at::Tensor gh = at::linear(h, p[1], p[3]);
      auto gi_t = gi.select(1, t).chunk(3, 1);
      auto gh_t = gh.chunk(3, 1);
      at::Tensor r = at::sigmoid(gi_t[0] + gh_t[0]);
      at::Tensor z = at::sigmoid(gi_t[1] + gh_t[1]);
      at::Tensor c = at::tanh(gi_t[2] + r * gh_t[2]);
      h = (1 - z) * c + z * h;
      outs.push_back(h);
    }
    return at::stack(outs, 1);
  }

  bool has_replicated_forward() const override { return true; }

  at::Tensor forward_replicated(const std::vector<at::Tensor>& p, const at::Tensor& x) const override {
    const int64_t r = p[0].size(0), n = x.size(0), steps = x.size(1);
    const at::Tensor xs = x.reshape({1, n * steps, in_}).expand({r, n * steps, in_});
    const at::Tensor gi =
        at::baddbmm(p[2].unsqueeze(1), xs, p[0].transpose(1, 2)).view({r, n, steps, 3 * hidden_});
    const at::Tensor whh = p[1].transpose(1, 2), bhh = p[3].unsqueeze(1);
    at::Tensor h = at::zeros({r, n, hidden_}, x.options());
    std::vector<at::Tensor> outs;
    outs.reserve(static_cast<size_t>(steps));
    for (int64_t t = 0; t < steps; ++t) {
      at::Tensor gh = at::baddbmm(bhh, h, whh);
      auto gi_t = gi.select(2, t).chunk(3, 2);
      auto gh_t = gh.chunk(3, 2);
      at::Tensor rg = at::sigmoid(gi_t[0] + gh_t[0]);
      at::Tensor z = at::sigmoid(gi_t[1] + gh_t[1]);
      at::Tensor c = at::tanh(gi_t[2] + rg * gh_t[2]);
      h = (1 - z) * c + z * h;
      outs.push_back(h);
    }
    return at::stack(outs, 2);
  }

  std::string kind() const override { return "gru"; }
  std::vector<std::string> layer_summary() const override {
    return {"GRU(" + std::to_string(in_) + "→" + std::to_string(hidden_) + ", " +
            std::to_string(input_shape_[0]) + " steps, output every hidden unit at every step)"};
  }

  void save_torchscript(const std::string& path) const override {
    const std::string src = R"JIT(
def forward(self, x):
    gi = torch.linear(x, self.weight_ih_l0, self.bias_ih_l0)
    h = torch.zeros([x.size(0), self.weight_hh_l0.size(1)], dtype=x.dtype, device=x.device)
    outs: List[Tensor] = []
    for t in range(x.size(1)):
        gh = torch.linear(h, self.weight_hh_l0, self.bias_hh_l0)
        gi_t = gi.select(1, t).chunk(3, 1)
        gh_t = gh.chunk(3, 1)
        r = torch.sigmoid(gi_t[0] + gh_t[0])
        z = torch.sigmoid(gi_t[1] + gh_t[1])
        c = torch.tanh(gi_t[2] + r * gh_t[2])
        h = (1 - z) * c + z * h
        outs.append(h)
    return torch.stack(outs, 1)
)JIT";
    save_script("GRU", names_, params_, src, path);
  }

  std::shared_ptr<Model> clone() const override { return std::make_shared<Gru>(*this); }

 private:
  int64_t in_ = 0, hidden_ = 0;
};

class Cnn : public Model {
 public:
  Cnn(const Spec& spec, const std::vector<int64_t>& input_shape, uint64_t seed) {
    spec_ = spec.text();
    std::vector<int64_t> shape = input_shape.empty() ? std::vector<int64_t>{1, 8, 8} : input_shape;
    if (shape.size() == 2) shape.insert(shape.begin(), 1);
    if (shape.size() != 3)
      throw InputError("model '" + spec_ + "': a CNN input is [channels, height, width], not [" +
                       shape_to_string(input_shape) + "]");
    const int64_t c_in = spec.get_int("channels", shape[0]);
    width_ = spec.get_int("width", 8, 1, int64_t(1) << 20);
    out_ = spec.get_int("out", 10, 1, int64_t(1) << 24);
    act_ = parse_activation(spec.get("act", "relu"), "model '" + spec_ + "'");
    seed = spec.get_seed("seed", seed);
    spec.finish();
    if (c_in != shape[0])
      throw InputError("model '" + spec_ + "': channels=" + std::to_string(c_in) + " but the input has " +
                       std::to_string(shape[0]));
    if (width_ <= 0 || out_ <= 0) throw InputError("model '" + spec_ + "': width and out must be positive");
    input_shape_ = shape;
    const int64_t h2 = (shape[1] + 1) / 2, w2 = (shape[2] + 1) / 2;
    flat_ = width_ * h2 * w2;
    auto gen = make_generator(seed);
    const auto opts = at::TensorOptions().dtype(at::kDouble);
    auto uniform = [&](at::IntArrayRef s, int64_t fan_in) {
      const double b = 1.0 / std::sqrt(static_cast<double>(fan_in));
      return draw_uniform(gen, s, -b, b, opts);
    };
    names_ = {"conv1_w", "conv1_b", "conv2_w", "conv2_b", "fc_w", "fc_b"};
    params_ = {uniform({width_, c_in, 3, 3}, c_in * 9),
               uniform({width_}, c_in * 9),
               uniform({width_, width_, 3, 3}, width_ * 9),
               uniform({width_}, width_ * 9),
               uniform({out_, flat_}, flat_),
               uniform({out_}, flat_)};
    select_parameters("all");
  }

  at::Tensor forward(const std::vector<at::Tensor>& p, const at::Tensor& x) const override {
    at::Tensor h = activate(act_, at::conv2d(x, p[0], p[1], {1, 1}, {1, 1}));
    h = activate(act_, at::conv2d(h, p[2], p[3], {2, 2}, {1, 1}));
    return at::linear(h.reshape({h.size(0), -1}), p[4], p[5]);
  }

  bool has_replicated_forward() const override { return true; }

  // Replicas as groups of a grouped convolution: channels [R·C], weights [R·out, C, 3, 3], groups = R.
  at::Tensor forward_replicated(const std::vector<at::Tensor>& p, const at::Tensor& x) const override {
    const int64_t r = p[0].size(0), n = x.size(0);
    const at::Tensor xr = x.repeat({1, r, 1, 1});
    auto merge = [](const at::Tensor& w) {
      auto s = w.sizes().vec();
      std::vector<int64_t> m{s[0] * s[1]};
      m.insert(m.end(), s.begin() + 2, s.end());
      return w.reshape(m);
    };
    at::Tensor h = activate(act_, at::conv2d(xr, merge(p[0]), merge(p[1]), {1, 1}, {1, 1}, {1, 1}, r));
    h = activate(act_, at::conv2d(h, merge(p[2]), merge(p[3]), {2, 2}, {1, 1}, {1, 1}, r));
    // [N, R·W, h, w] → [R, N, W·h·w] in the single-replica flatten order
    h = h.reshape({n, r, -1}).transpose(0, 1);
    return at::baddbmm(p[5].unsqueeze(1), h, p[4].transpose(1, 2));
  }

  std::string kind() const override { return "cnn"; }
  std::vector<std::string> layer_summary() const override {
    return {"Conv2d(" + std::to_string(input_shape_[0]) + "→" + std::to_string(width_) + ", 3×3, pad 1)",
            "Conv2d(" + std::to_string(width_) + "→" + std::to_string(width_) + ", 3×3, stride 2, pad 1)",
            "Linear(" + std::to_string(flat_) + "→" + std::to_string(out_) + ")"};
  }

  void save_torchscript(const std::string& path) const override {
    const std::string a1 =
        script_activation(act_, "torch.conv2d(x, self.conv1_w, self.conv1_b, [1, 1], [1, 1])");
    const std::string a2 =
        script_activation(act_, "torch.conv2d(h, self.conv2_w, self.conv2_b, [2, 2], [1, 1])");
    const std::string src = "def forward(self, x):\n    h = " + a1 + "\n    h = " + a2 +
                            "\n    return torch.linear(h.reshape([h.size(0), -1]), self.fc_w, "
                            "self.fc_b)\n";
    save_script("CNN", names_, params_, src, path);
  }

  std::shared_ptr<Model> clone() const override { return std::make_shared<Cnn>(*this); }

 private:
  int64_t width_ = 0, out_ = 0, flat_ = 0;
  Activation act_ = Activation::Relu;
};

}  // namespace

std::shared_ptr<Model> make_mlp(const Spec& spec, const std::vector<int64_t>& input_shape, uint64_t seed) {
  return std::make_shared<Mlp>(spec, input_shape, seed);
}

std::vector<DenseLayer> dense_layers(const Model& model) {
  const auto* mlp = dynamic_cast<const Mlp*>(&model);
  return mlp ? mlp->layers() : std::vector<DenseLayer>{};
}

std::shared_ptr<Model> make_gru(const Spec& spec, const std::vector<int64_t>& input_shape, uint64_t seed) {
  return std::make_shared<Gru>(spec, input_shape, seed);
}
std::shared_ptr<Model> make_cnn(const Spec& spec, const std::vector<int64_t>& input_shape, uint64_t seed) {
  return std::make_shared<Cnn>(spec, input_shape, seed);
}

}  // namespace ts
