#pragma once
// The built-in models (docs/FORMATS.md lists every spec key). Each is a plain function of its parameter list,
// so forward-mode AD only needs dual parameters, and each exports an equivalent TorchScript module.
#include "io/Spec.h"
#include "models/Model.h"

namespace ts {

enum class Activation { Identity, Relu, Tanh, Gelu, Erf, Sigmoid };
Activation parse_activation(const std::string& name, const std::string& what);
at::Tensor activate(Activation a, const at::Tensor& x);

/// MLP: `depth` linear layers in → width → … → width → out, `act` between them, optional `final_act`.
/// Standard parameterisation: PyTorch's nn.Linear initialisation, y = hWᵀ + b. NTK parameterisation:
/// W, b ~ N(0, 1), y = (w_std/√fan_in)·hWᵀ + b_std·b.
std::shared_ptr<Model> make_mlp(const Spec& spec, const std::vector<int64_t>& input_shape, uint64_t seed);

/// One linear layer of a built-in MLP as its explicit products see it (autodiff/DenseProducts.h):
/// z = w_scale · h Wᵀ + b_scale · b, then the activation.
struct DenseLayer {
  at::Tensor weight;  ///< W [out, in], the model's current parameter (detached)
  at::Tensor bias;    ///< b [out]; undefined without bias
  double w_scale = 1, b_scale = 1;
  Activation act = Activation::Identity;
};
/// The layers of a built-in MLP at its current parameters, in parameter order (W₀, b₀, W₁, b₁, …); empty for
/// every other model.
std::vector<DenseLayer> dense_layers(const Model& model);
/// One GRU layer (PyTorch's gate equations and initialisation); the output is every hidden unit at every
/// step, [N, T, hidden], so d = N·T·hidden (Hazelden's GRU workload). Input shape [T, in].
std::shared_ptr<Model> make_gru(const Spec& spec, const std::vector<int64_t>& input_shape, uint64_t seed);
/// Small CNN for images [C, H, W]: conv3×3 → act → conv3×3 stride 2 → act → linear to `out`.
std::shared_ptr<Model> make_cnn(const Spec& spec, const std::vector<int64_t>& input_shape, uint64_t seed);

}  // namespace ts
