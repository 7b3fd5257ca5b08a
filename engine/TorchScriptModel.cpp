// A TorchScript module as a Model: parameters are swapped in by setattr on their owning submodule, which
// serves reverse mode (leaf tensors that require grad) and forward mode (dual tensors) alike.
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/csrc/jit/serialization/import.h>

#include <fstream>

#include "Errors.h"
#include "Model.h"
#include "Spec.h"

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
// second call on (TOOLCHAIN.md); every call runs with the optimizer off.
struct NoGraphOptimization {
  bool previous = torch::jit::getGraphExecutorOptimize();
  NoGraphOptimization() { torch::jit::setGraphExecutorOptimize(false); }
  ~NoGraphOptimization() { torch::jit::setGraphExecutorOptimize(previous); }
};

class TorchScriptModel : public Model {
 public:
  TorchScriptModel(torch::jit::Module module, const std::string& path, const std::vector<int64_t>& input_shape)
      : module_(std::move(module)), path_(path) {
    spec_ = path;
    input_shape_ = input_shape;
    module_.eval();  // the NTK of a module is taken in evaluation mode (no dropout, fixed batch-norm statistics)
    read_parameters();
    if (names_.empty()) throw InputError("TorchScript model '" + path + "' has no parameters");
    select_parameters("all");
  }

  at::Tensor forward(const std::vector<at::Tensor>& p, const at::Tensor& x) const override {
    NoGraphOptimization no_opt;
    for (size_t i = 0; i < p.size(); ++i) owners_[i].setattr(attrs_[i], p[i]);
    refresh_flat_weights();
    c10::IValue out;
    try {
      out = module_.forward({x});
    } catch (const c10::Error& e) {
      restore();
      throw InputError("TorchScript model '" + path_ + "' rejects an input batch of shape [" +
                       shape_to_string(x.sizes().vec()) + "]: " + last_error_line(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      restore();
      throw InputError("TorchScript model '" + path_ + "' rejects an input batch of shape [" +
                       shape_to_string(x.sizes().vec()) + "]: " + last_error_line(e.what()));
    }
    restore();
    if (out.isTuple() && !out.toTuple()->elements().empty()) out = out.toTuple()->elements()[0];
    if (!out.isTensor())
      throw InputError("TorchScript model '" + path_ + "': forward must return a tensor (or a tuple starting with one)");
    return out.toTensor();
  }

  std::string kind() const override { return "torchscript"; }

  std::vector<std::string> layer_summary() const override {
    std::vector<std::string> out;
    for (const auto& child : module_.named_children()) {
      std::string type = child.value.type()->name() ? child.value.type()->name()->name() : "module";
      int64_t n = 0;
      for (const auto& p : child.value.parameters()) n += p.numel();
      out.push_back(child.name + ": " + type + " (" + std::to_string(n) + " parameters)");
    }
    if (out.empty()) out.push_back(path_ + " (no submodules)");
    return out;
  }

  void save_torchscript(const std::string& path) const override {
    restore();
    try {
      module_.save(path);
    } catch (const c10::Error& e) {
      throw InputError("cannot write TorchScript file '" + path + "': " + first_line(e.what_without_backtrace()));
    }
  }

  std::shared_ptr<Model> clone() const override {
    auto copy = std::make_shared<TorchScriptModel>(module_.deepcopy(), path_, input_shape_);
    copy->set_parameters(params_);
    copy->select_parameters(selection_);
    return copy;
  }

  void to(const at::TensorOptions& options) override {
    module_.to(options.device(), options.dtype().toScalarType());
    read_parameters();
    Model::to(options);
  }

 private:
  void read_parameters() {
    names_.clear();
    params_.clear();
    owners_.clear();
    attrs_.clear();
    for (const auto& np : module_.named_parameters(true)) {
      names_.push_back(np.name);
      params_.push_back(np.value.detach());
      const auto dot = np.name.rfind('.');
      torch::jit::Module owner = module_;
      if (dot != std::string::npos) {
        std::string path = np.name.substr(0, dot), part;
        size_t start = 0;
        while (start <= path.size()) {
          const auto next = path.find('.', start);
          part = path.substr(start, next == std::string::npos ? std::string::npos : next - start);
          owner = owner.attr(part).toModule();
          if (next == std::string::npos) break;
          start = next + 1;
        }
      }
      owners_.push_back(owner);
      attrs_.push_back(dot == std::string::npos ? np.name : np.name.substr(dot + 1));
    }
    find_flat_weight_owners();
  }

  void restore() const {
    for (size_t i = 0; i < params_.size(); ++i) owners_[i].setattr(attrs_[i], params_[i]);
    refresh_flat_weights();
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
  mutable std::vector<torch::jit::Module> owners_;
  mutable std::vector<std::pair<torch::jit::Module, std::vector<std::string>>> flat_owners_;
  std::vector<std::string> attrs_;
  std::string path_;
};

}  // namespace

std::shared_ptr<Model> load_torchscript(const std::string& path, const std::vector<int64_t>& input_shape) {
  {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw InputError("TorchScript model '" + path + "': file not found or not readable");
  }
  if (input_shape.empty())
    throw InputError("TorchScript model '" + path + "': give the shape of one input (--input-shape, e.g. 15,10)");
  torch::jit::Module module;
  try {
    module = torch::jit::load(path);
  } catch (const c10::Error& e) {
    throw InputError("TorchScript model '" + path + "' cannot be loaded (corrupt, truncated or not TorchScript): " +
                     first_line(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw InputError("TorchScript model '" + path + "' cannot be loaded: " + first_line(e.what()));
  }
  return std::make_shared<TorchScriptModel>(std::move(module), path, input_shape);
}

}  // namespace ts
