#include "models/Model.h"

#include <algorithm>
#include <cmath>

#include "core/Errors.h"
#include "core/Numbers.h"
#include "core/TorchUtil.h"
#include "io/Spec.h"
#include "models/BuiltinModels.h"

namespace ts {

at::Tensor Model::forward_replicated(const std::vector<at::Tensor>&, const at::Tensor&) const {
  throw Error("model '" + spec_ + "' has no replicated forward");
}

void Model::to(const at::TensorOptions& options) {
  for (auto& p : params_) p = p.detach().to(options);
}

void Model::check_batch_axis(const at::Tensor&, const at::Tensor&) const {}

void Model::set_parameters(std::vector<at::Tensor> params) {
  if (params.size() != params_.size())
    throw InputError("model '" + spec_ + "': expected " + std::to_string(params_.size()) +
                     " parameter tensors, got " + std::to_string(params.size()));
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].sizes() != params_[i].sizes())
      throw InputError("model '" + spec_ + "': parameter '" + names_[i] + "' has the wrong shape");
  params_ = std::move(params);
}

void Model::load_state(const std::vector<std::pair<std::string, at::Tensor>>& state,
                       const std::string& source) {
  std::vector<at::Tensor> next = params_;
  for (const auto& [name, value] : state) {
    size_t i = 0;
    for (; i < names_.size(); ++i) {
      const auto& al = aliases(i);
      if (names_[i] == name || std::find(al.begin(), al.end(), name) != al.end()) break;
    }
    if (i == names_.size())
      throw InputError(source + " holds '" + name + "', which model '" + spec_ +
                       "' has neither as a parameter nor as a floating buffer (another architecture?)");
    if (value.sizes() != params_[i].sizes())
      throw InputError(source + ": '" + name + "' has shape [" + shape_to_string(value.sizes().vec()) +
                       "] but the model's parameter has shape [" + shape_to_string(params_[i].sizes().vec()) +
                       "]");
    if (!value.is_floating_point())
      throw InputError(source + ": '" + name + "' is not a floating-point tensor");
    next[i] = value.detach().to(params_[i].options().requires_grad(false));
  }
  params_ = std::move(next);
}

at::TensorOptions Model::options() const {
  if (params_.empty()) return at::TensorOptions().dtype(at::kDouble);
  return params_.front().options().requires_grad(false);
}

void Model::select_parameters(const std::string& selection) {
  selected_.clear();
  selection_ = selection.empty() ? "all" : selection;
  // "+frozen" at the end takes the frozen parameters too: the NTK is over the parameters that train.
  std::string body = selection_;
  bool with_frozen = false;
  const std::string suffix = "+frozen";
  if (body.size() >= suffix.size() && body.compare(body.size() - suffix.size(), suffix.size(), suffix) == 0) {
    with_frozen = true;
    body.erase(body.size() - suffix.size());
    if (body.empty()) body = "all";
  }
  std::vector<std::string> prefixes;
  std::string cur;
  for (char c : body + ";") {
    if (c == ';' || c == '|') {
      if (!cur.empty()) prefixes.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  const bool all = prefixes.size() == 1 && prefixes[0] == "all";
  auto matches = [&](size_t i) {
    if (all) return true;
    std::vector<std::string> names{names_[i]};
    if (i < aliases_.size()) names.insert(names.end(), aliases_[i].begin(), aliases_[i].end());
    for (const auto& n : names)
      for (const auto& p : prefixes)
        if (n.compare(0, p.size(), p) == 0) return true;
    return false;
  };
  std::string frozen_matched;
  for (size_t i = 0; i < names_.size(); ++i) {
    if (!matches(i)) continue;
    if (!trainable(i) && !with_frozen) {
      frozen_matched += (frozen_matched.empty() ? "" : ", ") + names_[i];
      continue;
    }
    selected_.push_back(static_cast<int64_t>(i));
  }
  if (selected_.empty()) {
    if (!frozen_matched.empty())
      throw InputError("parameter selection '" + selection_ + "' of model '" + spec_ +
                       "' matches only frozen parameters (requires_grad=False: " + frozen_matched +
                       "); add +frozen to include them, e.g. '" + body + "+frozen'");
    std::string names;
    for (const auto& n : names_) names += (names.empty() ? "" : ", ") + n;
    throw InputError("parameter selection '" + selection_ + "' matches no parameter of model '" + spec_ +
                     "' (its parameters: " + names + ")");
  }
}

int64_t Model::num_parameters() const { return total_numel(params_); }

int64_t Model::num_selected_parameters() const {
  int64_t n = 0;
  for (auto i : selected_) n += params_[static_cast<size_t>(i)].numel();
  return n;
}

int64_t Model::num_frozen_parameters() const {
  int64_t n = 0;
  for (size_t i = 0; i < params_.size(); ++i)
    if (!trainable(i)) n += params_[i].numel();
  return n;
}

const std::vector<std::string>& Model::aliases(size_t i) const {
  static const std::vector<std::string> none;
  return i < aliases_.size() ? aliases_[i] : none;
}

std::vector<std::string> Model::parameter_summary() const {
  std::vector<bool> in_ntk(params_.size(), false);
  for (auto i : selected_) in_ntk[static_cast<size_t>(i)] = true;
  std::vector<std::string> out;
  for (size_t i = 0; i < params_.size(); ++i) {
    std::string line = names_[i] + " [" + shape_to_string(params_[i].sizes().vec()) + "] " +
                       std::to_string(params_[i].numel());
    std::vector<std::string> notes;
    if (!trainable(i)) notes.push_back("frozen");
    if (!aliases(i).empty()) {
      std::string a;
      for (const auto& n : aliases(i)) a += (a.empty() ? "" : ", ") + n;
      notes.push_back("shared with " + a);
    }
    if (!in_ntk[i]) notes.push_back("not in the NTK");
    if (!notes.empty()) {
      line += " (";
      for (size_t k = 0; k < notes.size(); ++k) line += (k ? "; " : "") + notes[k];
      line += ")";
    }
    out.push_back(line);
  }
  if (!parameter_note_.empty()) out.push_back("(" + parameter_note_ + ")");
  return out;
}

namespace {

// The parameters a built-in model will have, read off its spec before anything is allocated (0: the spec is
// invalid, and the model's constructor says why).
double builtin_parameter_count(const std::string& head, Spec spec, const std::vector<int64_t>& input_shape) {
  auto num = [&](const std::string& key, double fallback) {
    try {
      return static_cast<double>(spec.get_int(key, static_cast<int64_t>(fallback)));
    } catch (const InputError&) {
      return 0.0;
    }
  };
  double prod = 1;
  for (auto s : input_shape) prod *= static_cast<double>(s);
  if (head == "mlp") {
    const double in = num("in", input_shape.empty() ? 0 : prod), w = num("width", 64),
                 depth = num("depth", 2), out = num("out", 10);
    if (in <= 0 || w <= 0 || depth <= 0 || out <= 0) return 0;
    return depth < 2 ? (in + 1) * out : (in + 1) * w + (depth - 2) * (w + 1) * w + (w + 1) * out;
  }
  if (head == "gru") {
    const double in = num("in", input_shape.size() == 2 ? static_cast<double>(input_shape[1]) : 10),
                 h = num("hidden", 64);
    return in <= 0 || h <= 0 ? 0 : 3 * h * (in + h) + 6 * h;
  }
  if (head == "cnn") {
    const std::vector<int64_t> s = input_shape.size() == 3 ? input_shape : std::vector<int64_t>{1, 8, 8};
    const double c = num("channels", static_cast<double>(s[0])), w = num("width", 8), out = num("out", 10);
    const double hw = std::ceil(static_cast<double>(s[1]) / 2) * std::ceil(static_cast<double>(s[2]) / 2);
    return c <= 0 || w <= 0 || out <= 0 ? 0 : 9 * c * w + w + 9 * w * w + w + w * hw * out + out;
  }
  return 0;
}

}  // namespace

std::shared_ptr<Model> make_model(const std::string& text, const std::vector<int64_t>& input_shape,
                                  const ComputeConfig& config, const std::string& params,
                                  const std::string& output) {
  std::shared_ptr<Model> model;
  const auto colon = text.find(':');
  const std::string head = colon == std::string::npos ? text : text.substr(0, colon);
  if (head == "mlp" || head == "gru" || head == "cnn") {
    const Spec spec = Spec::parse(text);
    // Refused before allocating: the parameters and one working copy of them must fit the memory budget.
    const double count = builtin_parameter_count(head, spec, input_shape);
    const double bytes = 2 * count * (config.dtype == "float32" ? 4 : 8);
    if (bytes > static_cast<double>(config.memory_budget)) {
      throw MemoryBudgetError("model '" + text + "' has " + format_number(count, 3) + " parameters (" +
                              format_bytes(bytes) + " for them and a working copy in " + config.dtype +
                              "), over the memory budget of " + format_bytes(double(config.memory_budget)) +
                              " (--memory-budget)");
    }
    if (head == "mlp") model = make_mlp(spec, input_shape, config.seed);
    if (head == "gru") model = make_gru(spec, input_shape, config.seed);
    if (head == "cnn") model = make_cnn(spec, input_shape, config.seed);
  } else if (head == "torchscript") {
    model = load_torchscript(text.substr(colon + 1), input_shape, output);
  } else if (text.size() > 3 &&
             (text.compare(text.size() - 3, 3, ".pt") == 0 || text.find('/') != std::string::npos)) {
    model = load_torchscript(text, input_shape, output);
  } else {
    throw InputError("model spec '" + text + "' is not mlp:..., gru:..., cnn:... or a TorchScript .pt file");
  }
  if (!output.empty() && model->kind() != "torchscript")
    throw InputError("--output '" + output + "' chooses an output of a TorchScript model; '" + text +
                     "' returns one tensor");
  model->to(tensor_options(config));
  model->select_parameters(params);
  return model;
}

at::Tensor flat_outputs(const Model& model, const at::Tensor& x) {
  at::NoGradGuard no_grad;
  const at::Tensor f = model.forward(x);
  return f.reshape({f.size(0), -1}).to(at::kDouble);
}

}  // namespace ts
