#pragma once
// A model is a function f(θ, X) (docs/MATH.md §1): parameters θ ∈ R^P as a list of tensors, a batch X of N
// inputs, an output of any shape [N, ...] whose flattening is the state s(θ) ∈ R^d.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "core/Config.h"

namespace ts {

class Model {
 public:
  virtual ~Model() = default;

  /// f(θ, X): `params` holds every parameter in parameter_names() order (tensors that may be dual or
  /// require grad); `x` is [N, input_shape()...]. Returns the output [N, ...].
  virtual at::Tensor forward(const std::vector<at::Tensor>& params, const at::Tensor& x) const = 0;
  /// f(θ, X) at the model's own parameters.
  at::Tensor forward(const at::Tensor& x) const { return forward(params_, x); }

  /// Optional batched evaluation over R parameter replicas: params[i] has shape [R, *shape_i] and the result
  /// is [R, N, ...] with slice r = forward(params[·][r], x). With it, R forward-mode JVPs share one forward
  /// pass (a hand-written vmap); models without it are differentiated one vector at a time.
  virtual bool has_replicated_forward() const { return false; }
  virtual at::Tensor forward_replicated(const std::vector<at::Tensor>& params, const at::Tensor& x) const;

  virtual std::string kind() const = 0;  ///< "mlp", "gru", "cnn", "torchscript"
  virtual std::vector<std::string> layer_summary() const = 0;
  /// Writes a TorchScript module whose forward(x) equals forward(x) (reloadable with load_torchscript).
  virtual void save_torchscript(const std::string& path) const = 0;
  virtual std::shared_ptr<Model> clone() const = 0;
  /// Moves parameters (and buffers) to a device and floating dtype.
  virtual void to(const at::TensorOptions& options);

  const std::vector<std::string>& parameter_names() const { return names_; }
  const std::vector<at::Tensor>& parameters() const { return params_; }
  void set_parameters(std::vector<at::Tensor> params);
  const std::vector<int64_t>& input_shape() const { return input_shape_; }
  const std::string& spec() const { return spec_; }
  at::TensorOptions options() const;

  /// Chooses the parameters the NTK is taken over: "all", or prefixes separated by ';' or '|'
  /// (e.g. "fc2" or "layers.3;head"). Only trainable parameters (requires_grad) are taken unless the
  /// selection ends in "+frozen" ("all+frozen", "conv1+frozen"). Throws InputError if nothing matches.
  void select_parameters(const std::string& selection);
  const std::vector<int64_t>& selected() const { return selected_; }
  const std::string& selection() const { return selection_; }
  int64_t num_parameters() const;           ///< all parameters (each shared tensor once)
  int64_t num_selected_parameters() const;  ///< P
  int64_t num_frozen_parameters() const;    ///< parameters with requires_grad=False in the model file
  /// Whether parameter i trains (requires_grad in the model file; built-in models train every parameter).
  bool trainable(size_t i) const { return i >= trainable_.size() || trainable_[i]; }
  /// Other names of parameter i when the model shares (ties) that tensor between modules; empty otherwise.
  const std::vector<std::string>& aliases(size_t i) const;
  /// One line per parameter: name, shape, count, and "frozen" / "shared with …" / "not in the NTK".
  std::vector<std::string> parameter_summary() const;

  /// The operator that made forward-mode AD fail on this model (then JVPs use double backward); empty if
  /// none.
  const std::string& forward_ad_unsupported() const { return forward_ad_unsupported_; }
  void set_forward_ad_unsupported(const std::string& op) const { forward_ad_unsupported_ = op; }
  /// Whether two forward passes were found to agree once (a model random in evaluation mode is refused).
  bool deterministic_checked() const { return deterministic_checked_; }
  void set_deterministic_checked() const { deterministic_checked_ = true; }

 protected:
  std::string spec_;
  std::vector<std::string> names_;
  std::vector<at::Tensor> params_;
  std::vector<int64_t> input_shape_;
  std::vector<int64_t> selected_;
  std::string selection_ = "all";
  std::vector<bool> trainable_;                    ///< empty: all trainable
  std::vector<std::vector<std::string>> aliases_;  ///< empty: no shared tensors
  mutable std::string forward_ad_unsupported_;
  mutable bool deterministic_checked_ = false;
  std::string
      parameter_note_;  ///< a remark on how trainable parameters were told apart, shown by parameter_summary
};

/// Builds a model from a spec (docs/FORMATS.md): "mlp:...", "gru:...", "cnn:...", or a path to a TorchScript
/// .pt file (optionally "torchscript:PATH"). `input_shape` is the shape of one input; it is required for
/// TorchScript files and checks the built-in models' own. `params` selects the parameter subset.
std::shared_ptr<Model> make_model(const std::string& spec, const std::vector<int64_t>& input_shape,
                                  const ComputeConfig& config, const std::string& params = "all");

/// Loads a TorchScript module (throws InputError naming the file when missing or corrupt).
std::shared_ptr<Model> load_torchscript(const std::string& path, const std::vector<int64_t>& input_shape);

}  // namespace ts
