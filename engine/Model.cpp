#include "Model.h"

#include "BuiltinModels.h"
#include "Errors.h"
#include "Spec.h"
#include "TorchUtil.h"

namespace ts {

at::Tensor Model::forward_replicated(const std::vector<at::Tensor>&, const at::Tensor&) const {
  throw Error("model '" + spec_ + "' has no replicated forward");
}

void Model::to(const at::TensorOptions& options) {
  for (auto& p : params_) p = p.detach().to(options);
}

void Model::set_parameters(std::vector<at::Tensor> params) {
  if (params.size() != params_.size())
    throw InputError("model '" + spec_ + "': expected " + std::to_string(params_.size()) + " parameter tensors, got " +
                     std::to_string(params.size()));
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].sizes() != params_[i].sizes())
      throw InputError("model '" + spec_ + "': parameter '" + names_[i] + "' has the wrong shape");
  params_ = std::move(params);
}

at::TensorOptions Model::options() const {
  if (params_.empty()) return at::TensorOptions().dtype(at::kDouble);
  return params_.front().options().requires_grad(false);
}

void Model::select_parameters(const std::string& selection) {
  selected_.clear();
  selection_ = selection.empty() ? "all" : selection;
  if (selection_ == "all") {
    for (size_t i = 0; i < names_.size(); ++i) selected_.push_back(static_cast<int64_t>(i));
    return;
  }
  std::vector<std::string> prefixes;
  std::string cur;
  for (char c : selection_ + ";") {
    if (c == ';' || c == '|') {
      if (!cur.empty()) prefixes.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  for (size_t i = 0; i < names_.size(); ++i)
    for (const auto& p : prefixes)
      if (names_[i].compare(0, p.size(), p) == 0) {
        selected_.push_back(static_cast<int64_t>(i));
        break;
      }
  if (selected_.empty()) {
    std::string all;
    for (const auto& n : names_) all += (all.empty() ? "" : ", ") + n;
    throw InputError("parameter selection '" + selection_ + "' matches no parameter of model '" + spec_ +
                     "' (its parameters: " + all + ")");
  }
}

int64_t Model::num_parameters() const { return total_numel(params_); }

int64_t Model::num_selected_parameters() const {
  int64_t n = 0;
  for (auto i : selected_) n += params_[static_cast<size_t>(i)].numel();
  return n;
}

std::shared_ptr<Model> make_model(const std::string& text, const std::vector<int64_t>& input_shape,
                                  const ComputeConfig& config, const std::string& params) {
  std::shared_ptr<Model> model;
  const auto colon = text.find(':');
  const std::string head = colon == std::string::npos ? text : text.substr(0, colon);
  if (head == "mlp" || head == "gru" || head == "cnn") {
    const Spec spec = Spec::parse(text);
    if (head == "mlp") model = make_mlp(spec, input_shape, config.seed);
    if (head == "gru") model = make_gru(spec, input_shape, config.seed);
    if (head == "cnn") model = make_cnn(spec, input_shape, config.seed);
  } else if (head == "torchscript") {
    model = load_torchscript(text.substr(colon + 1), input_shape);
  } else if (text.size() > 3 && (text.compare(text.size() - 3, 3, ".pt") == 0 || text.find('/') != std::string::npos)) {
    model = load_torchscript(text, input_shape);
  } else {
    throw InputError("model spec '" + text + "' is not mlp:..., gru:..., cnn:... or a TorchScript .pt file");
  }
  model->to(tensor_options(config));
  model->select_parameters(params);
  return model;
}

}  // namespace ts
