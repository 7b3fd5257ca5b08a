#pragma once
// A model is a function f(θ, X) (docs/MATH.md §1): parameters θ ∈ R^P as a list of tensors, a batch X of N
// inputs, an output of any shape [N, ...] whose flattening is the state s(θ) ∈ R^d.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "core/Config.h"
#include "core/TorchUtil.h"

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
  /// A saved state by name (a run folder's snapshot: parameter and buffer names → tensors, in any dtype,
  /// on any device): each parameter (by its name or an alias of a shared tensor) and, for TorchScript models,
  /// each floating buffer named takes its value, cast to the model's dtype and device. Those not named keep
  /// theirs. A name the model does not have, or a shape that differs, is refused (InputError naming
  /// `source` and the entry) with the model unchanged.
  virtual void load_state(const std::vector<std::pair<std::string, at::Tensor>>& state,
                          const std::string& source);
  const std::vector<int64_t>& input_shape() const { return input_shape_; }
  /// Floating inputs (built-in models, most files), or integers with the range a file records
  /// (scripts/export-model --input-dtype int64 --input-range LOW,HIGH).
  const InputType& input_type() const { return input_type_; }
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
  int64_t num_trainable_parameters() const { return num_parameters() - num_frozen_parameters(); }
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
  /// Why batched products (one pass over a block of vectors, TangentMap::set_block) failed or fell back to
  /// LibTorch's per-vector loop on this model; empty while they work. Products then go one vector at a time.
  const std::string& batching_unsupported() const { return batching_unsupported_; }
  void set_batching_unsupported(const std::string& why) const { batching_unsupported_ = why; }
  /// JVP mode auto (TangentMap): the path timed faster on this model's first JVPs, "forward" or
  /// "double-backward", and the timings; empty until then.
  const std::string& jvp_choice() const { return jvp_choice_; }
  const std::string& jvp_choice_note() const { return jvp_choice_note_; }
  void set_jvp_choice(const std::string& path, const std::string& note) const {
    jvp_choice_ = path;
    jvp_choice_note_ = note;
  }
  /// Block products or one vector at a time, measured on this model's first products (TangentMap::
  /// set_block_measured), once per model: a full block warms up, the next is timed, then two vectors one at a
  /// time; one at a time is kept only when clearly faster.
  struct BlockChoice {
    int stage = 0;             ///< 0 nothing yet, 1 a block warmed up, 2 a block timed, 3 decided
    std::string product;       ///< the product timed ("VJP" or "K u"): both timings are of it
    int64_t block = 0;         ///< the timed block's size
    double block_seconds = 0;  ///< per vector, in the timed block
    bool one_at_a_time = false;
    std::string note;  ///< the decision and its timings, for results; empty until decided
  };
  BlockChoice& block_choice() const { return block_choice_; }
  /// Class names from the model file's metadata (scripts/export-model); empty when it names none.
  const std::vector<std::string>& class_names() const { return class_names_; }
  /// Notes on how the model file is read, for `info` and the app: its metadata (how it was made), which
  /// method is its forward, which output the kernel is taken of.
  virtual std::vector<std::string> file_notes() const { return {}; }

  /// Throws InputError when `out` = forward(x)'s first axis is not the batch of x. TorchScript models check
  /// it once with a second batch of another size (an output whose first axis equals N by chance, such as an
  /// LSTM's h, is refused, listing the outputs with their shapes); built-in models always return [N, ...].
  virtual void check_batch_axis(const at::Tensor& x, const at::Tensor& out) const;

  /// Whether two forward passes were found to agree once (a model random in evaluation mode is refused).
  bool deterministic_checked() const { return deterministic_checked_; }
  void set_deterministic_checked() const { deterministic_checked_ = true; }

 protected:
  std::string spec_;
  std::vector<std::string> names_;
  std::vector<at::Tensor> params_;
  std::vector<int64_t> input_shape_;
  InputType input_type_;
  std::vector<int64_t> selected_;
  std::string selection_ = "all";
  std::vector<bool> trainable_;                    ///< empty: all trainable
  std::vector<std::vector<std::string>> aliases_;  ///< empty: no shared tensors
  mutable std::string forward_ad_unsupported_;
  mutable std::string batching_unsupported_;
  mutable std::string jvp_choice_, jvp_choice_note_;
  mutable BlockChoice block_choice_;
  mutable bool deterministic_checked_ = false;
  std::vector<std::string> class_names_;
  std::string
      parameter_note_;  ///< a remark on how trainable parameters were told apart, shown by parameter_summary
};

/// Builds a model from a spec (docs/FORMATS.md): "mlp:...", "gru:...", "cnn:...", or a path to a TorchScript
/// .pt file (optionally "torchscript:PATH"). `input_shape` is the shape of one input; TorchScript files take
/// it from their metadata (scripts/export-model) when it is empty, and it checks the built-in models' own.
/// `params` selects the parameter subset; `output` chooses the output of a TorchScript model whose forward
/// returns a tuple, list or dict (see load_torchscript).
std::shared_ptr<Model> make_model(const std::string& spec, const std::vector<int64_t>& input_shape,
                                  const ComputeConfig& config, const std::string& params = "all",
                                  const std::string& output = "");

/// Loads a TorchScript module (throws InputError naming the file when missing or corrupt). Its forward is the
/// method `forward`, or for a scripted module with overloads (nn.LSTM) the first `forward__N` taking one
/// tensor. `output` is a dotted path into what forward returns: tuple and list indices, dict keys ("0",
/// "1.0", "logits"); empty takes the file's metadata's choice, else the tensor itself or element 0 of a tuple
/// or list. The metadata file `tangentscope.json` in the archive (written by scripts/export-model) supplies
/// the input shape when `input_shape` is empty, the output choice and the class names.
std::shared_ptr<Model> load_torchscript(const std::string& path, const std::vector<int64_t>& input_shape,
                                        const std::string& output = "");

/// The outputs f(x) as [N, O] float64, without gradients (what the active-learning scores and checks read).
at::Tensor flat_outputs(const Model& model, const at::Tensor& x);

}  // namespace ts
