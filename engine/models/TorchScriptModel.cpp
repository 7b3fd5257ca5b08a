// A TorchScript module as a Model: parameters are swapped in by setattr on their owning submodule, which
// serves reverse mode (leaf tensors that require grad) and forward mode (dual tensors) alike.
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/csrc/jit/serialization/import.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/Errors.h"
#include "io/OutputFiles.h"
#include "io/Spec.h"
#include "models/Model.h"

namespace ts {

namespace {

std::string first_line(const std::string& s) {
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// TorchScript errors carry a traceback; the line naming the error comes last.
std::string last_error_line(const std::string& s) {
  std::string best;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    const std::string line = s.substr(start, nl - start);
    if (line.find("Error") != std::string::npos || line.find("error") != std::string::npos) best = line;
    start = nl + 1;
  }
  if (best.empty()) best = first_line(s);
  const auto b = best.find_first_not_of(' ');
  return b == std::string::npos ? best : best.substr(b);
}

// With the optimizing graph executor the output tangent of forward-mode AD is silently undefined from the
// second call on (a LibTorch 1.13 trap, tested in test_autodiff); every call runs with the optimizer off.
struct NoGraphOptimization {
  bool previous = torch::jit::getGraphExecutorOptimize();
  NoGraphOptimization() { torch::jit::setGraphExecutorOptimize(false); }
  ~NoGraphOptimization() { torch::jit::setGraphExecutorOptimize(previous); }
};

class TorchScriptModel : public Model {
 public:
  TorchScriptModel(torch::jit::Module module, const std::string& path,
                   const std::vector<int64_t>& input_shape, std::vector<std::vector<std::string>> groups = {})
      : module_(std::move(module)), path_(path), groups_(std::move(groups)) {
    spec_ = path;
    input_shape_ = input_shape;
    module_
        .eval();  // the NTK of a module is taken in evaluation mode (no dropout, fixed batch-norm statistics)
    if (groups_.empty()) find_shared_parameters();
    for (const auto& np : module_.named_parameters(true)) {
      export_dtype_ = np.value.scalar_type();
      break;
    }
    read_parameters();
    if (names_.empty()) throw InputError("TorchScript model '" + path + "' has no parameters");
    select_parameters("all");
  }

  at::Tensor forward(const std::vector<at::Tensor>& p, const at::Tensor& x) const override {
    NoGraphOptimization no_opt;
    for (size_t i = 0; i < p.size(); ++i)
      for (auto& o : owners_[i]) o.first.setattr(o.second, p[i]);
    refresh_flat_weights();
    c10::IValue out;
    try {
      out = module_.forward({x});
    } catch (const c10::Error& e) {
      restore();
      throw forward_error(x, last_error_line(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      restore();
      throw forward_error(x, last_error_line(e.what()));
    }
    restore();
    if (out.isTuple() && !out.toTuple()->elements().empty()) out = out.toTuple()->elements()[0];
    if (!out.isTensor())
      throw InputError("TorchScript model '" + path_ +
                       "': forward must return a tensor (or a tuple starting with one)");
    return out.toTensor();
  }

  std::string kind() const override { return "torchscript"; }

  // Each shared tensor counts once, in the module of its first name; frozen ones are counted apart.
  std::vector<std::string> layer_summary() const override {
    std::vector<std::string> out;
    for (const auto& child : module_.named_children()) {
      std::string type = child.value.type()->name() ? child.value.type()->name()->name() : "module";
      int64_t trained = 0, frozen = 0;
      std::string shared;
      for (size_t i = 0; i < names_.size(); ++i) {
        if (names_[i].compare(0, child.name.size() + 1, child.name + ".") == 0)
          (trainable(i) ? trained : frozen) += params_[i].numel();
        for (const auto& a : aliases(i))
          if (a.compare(0, child.name.size() + 1, child.name + ".") == 0)
            shared += (shared.empty() ? "" : ", ") + a + " is " + names_[i];
      }
      std::string line = child.name + ": " + type + " (" + std::to_string(trained) + " parameters";
      if (frozen > 0) line += ", " + std::to_string(frozen) + " frozen";
      if (!shared.empty()) line += "; shared: " + shared;
      out.push_back(line + ")");
    }
    if (out.empty()) out.push_back(path_ + " (no submodules)");
    return out;
  }

  void save_torchscript(const std::string& path) const override {
    // Saved with the trainable/frozen marks of the original file, and each shared tensor still shared.
    for (size_t i = 0; i < params_.size(); ++i) {
      const at::Tensor saved = params_[i].detach().requires_grad_(trainable(i));
      for (auto& o : owners_[i]) o.first.setattr(o.second, saved);
    }
    refresh_flat_weights();
    // Serialised in memory, then written atomically (a full disk is an error, not an escaping exception).
    std::ostringstream bytes;
    try {
      module_.save(bytes);
    } catch (const c10::Error& e) {
      restore();
      throw InputError("cannot save TorchScript model '" + path +
                       "': " + first_line(e.what_without_backtrace()));
    }
    restore();
    write_file_atomic(path, bytes.str());
  }

  std::shared_ptr<Model> clone() const override {
    auto copy = std::make_shared<TorchScriptModel>(module_.deepcopy(), path_, input_shape_, groups_);
    copy->export_dtype_ = export_dtype_;
    copy->set_parameters(params_);
    copy->select_parameters(selection_);
    return copy;
  }

  void to(const at::TensorOptions& options) override {
    module_.to(options.device(), options.dtype().toScalarType());
    read_parameters();
    Model::to(options);
    restore();  // every owner of a shared tensor holds the same (converted) tensor again
  }

 private:
  // A shared (tied) tensor appears once per owning module in named_parameters(); it is one parameter block
  // of the NTK, identified by the tensor's identity (its TensorImpl), and named by its first name.
  void find_shared_parameters() {
    std::vector<const c10::TensorImpl*> seen;
    for (const auto& np : module_.named_parameters(true)) {
      const auto* impl = np.value.unsafeGetTensorImpl();
      const auto it = std::find(seen.begin(), seen.end(), impl);
      if (it == seen.end()) {
        seen.push_back(impl);
        groups_.push_back({np.name});
      } else {
        groups_[static_cast<size_t>(it - seen.begin())].push_back(np.name);
      }
    }
  }

  torch::jit::Module owner_of(const std::string& name, std::string* attr) const {
    const auto dot = name.rfind('.');
    torch::jit::Module owner = module_;
    if (dot != std::string::npos) {
      const std::string path = name.substr(0, dot);
      size_t start = 0;
      while (start <= path.size()) {
        const auto next = path.find('.', start);
        owner = owner.attr(path.substr(start, next == std::string::npos ? std::string::npos : next - start))
                    .toModule();
        if (next == std::string::npos) break;
        start = next + 1;
      }
    }
    *attr = dot == std::string::npos ? name : name.substr(dot + 1);
    return owner;
  }

  void read_parameters() {
    names_.clear();
    params_.clear();
    owners_.clear();
    trainable_.clear();
    aliases_.clear();
    bool any_shared = false;
    for (const auto& group : groups_) {
      std::vector<std::pair<torch::jit::Module, std::string>> owners;
      for (const auto& name : group) {
        std::string attr;
        torch::jit::Module owner = owner_of(name, &attr);
        owners.emplace_back(owner, attr);
      }
      const at::Tensor value = owners.front().first.attr(owners.front().second).toTensor();
      names_.push_back(group.front());
      trainable_.push_back(value.requires_grad());
      params_.push_back(value.detach());
      aliases_.emplace_back(group.begin() + 1, group.end());
      any_shared = any_shared || group.size() > 1;
      owners_.push_back(std::move(owners));
    }
    if (!any_shared) aliases_.clear();
    // A file whose every parameter has requires_grad=False (an inference export) says nothing about which
    // ones train: take them all, and say so.
    if (!trainable_.empty() && std::none_of(trainable_.begin(), trainable_.end(), [](bool t) { return t; })) {
      trainable_.assign(trainable_.size(), true);
      parameter_note_ =
          "every parameter is saved with requires_grad=False (an inference export): all are taken";
    }
    find_flat_weight_owners();
  }

  void restore() const {
    for (size_t i = 0; i < params_.size(); ++i)
      for (auto& o : owners_[i]) o.first.setattr(o.second, params_[i]);
    refresh_flat_weights();
  }

  // Names the model, the operator and the fix; the batch was accepted by a plain forward pass before any
  // derivative is taken (TangentMap checks it), so later failures are the model's.
  InputError forward_error(const at::Tensor& x, const std::string& what) const {
    const bool dtype = what.find("same dtype") != std::string::npos ||
                       what.find("scalar type") != std::string::npos ||
                       what.find("dtype") != std::string::npos;
    if (dtype && x.scalar_type() != export_dtype_)
      return InputError("TorchScript model '" + path_ + "' was exported in " + dtype_name(export_dtype_) +
                        " and does not run in " + dtype_name(x.scalar_type()) + " (" + what +
                        "): tracing fixed the precision of tensors it creates. Run it with --dtype " +
                        dtype_name(export_dtype_) + ", or export it again in " + dtype_name(x.scalar_type()) +
                        " (model." + (x.scalar_type() == at::kFloat ? "float" : "double") +
                        "() before torch.jit.trace), or script it with torch.jit.script");
    if (what.find("forward AD") != std::string::npos)
      return InputError("TorchScript model '" + path_ +
                        "' cannot be differentiated in forward mode: " + what);
    return InputError("TorchScript model '" + path_ + "' rejects an input batch of shape [" +
                      shape_to_string(x.sizes().vec()) + "]: " + what);
  }

  static std::string dtype_name(at::ScalarType t) {
    return t == at::kFloat ? "float32" : t == at::kDouble ? "float64" : std::string(c10::toString(t));
  }

  // Scripted RNN modules (nn.GRU, nn.LSTM, nn.RNN) read their weights from the list `_flat_weights`, not from
  // the parameter attributes, so a swapped parameter must be written there too.
  void find_flat_weight_owners() {
    flat_owners_.clear();
    for (const auto& sub : module_.modules()) {
      if (!sub.hasattr("_flat_weights")) continue;
      std::vector<std::string> names;
      if (sub.hasattr("_flat_weights_names")) {
        for (const auto& n : sub.attr("_flat_weights_names").toListRef()) names.push_back(n.toStringRef());
      } else {
        for (const auto& np : sub.named_parameters(false)) names.push_back(np.name);
      }
      flat_owners_.emplace_back(sub, names);
    }
  }

  void refresh_flat_weights() const {
    for (auto& fo : flat_owners_) {
      c10::List<at::Tensor> list;
      for (const auto& n : fo.second) list.push_back(fo.first.attr(n).toTensor());
      fo.first.setattr("_flat_weights", list);
    }
  }

  mutable torch::jit::Module module_;
  /// For each parameter block, every (owning module, attribute) that holds it.
  mutable std::vector<std::vector<std::pair<torch::jit::Module, std::string>>> owners_;
  mutable std::vector<std::pair<torch::jit::Module, std::vector<std::string>>> flat_owners_;
  std::string path_;
  std::vector<std::vector<std::string>> groups_;  ///< the names of each parameter block, first name first
  at::ScalarType export_dtype_ = at::kDouble;
};

}  // namespace

std::shared_ptr<Model> load_torchscript(const std::string& path, const std::vector<int64_t>& input_shape) {
  {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw InputError("TorchScript model '" + path + "': file not found or not readable");
  }
  if (input_shape.empty())
    throw InputError("TorchScript model '" + path +
                     "': give the shape of one input (--input-shape, e.g. 15,10)");
  torch::jit::Module module;
  try {
    module = torch::jit::load(path);
  } catch (const c10::Error& e) {
    throw InputError("TorchScript model '" + path +
                     "' cannot be loaded (corrupt, truncated or not TorchScript): " +
                     first_line(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw InputError("TorchScript model '" + path + "' cannot be loaded: " + first_line(e.what()));
  }
  return std::make_shared<TorchScriptModel>(std::move(module), path, input_shape);
}

}  // namespace ts
