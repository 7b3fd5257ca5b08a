// A TorchScript module as a Model: parameters are swapped in by setattr on their owning submodule, which
// serves reverse mode (leaf tensors that require grad) and forward mode (dual tensors) alike.
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/csrc/jit/serialization/import.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/ErrorText.h"
#include "core/Errors.h"
#include "core/FileChecks.h"
#include "core/Json.h"
#include "io/OutputFiles.h"
#include "io/Spec.h"
#include "models/Model.h"

namespace ts {

namespace {

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

// The name of the metadata member scripts/export-model writes into the archive.
constexpr const char* kMetadataFile = "tangentscope.json";

// What a model file says about itself (scripts/export-model; docs/FORMATS.md).
struct FileMetadata {
  bool present = false;
  std::string text;  ///< as read, written again into files saved from this model
  std::vector<int64_t> input_shape;
  std::string output;
  std::vector<std::string> class_names;
  std::string made_by;  ///< in words
  std::string how;      ///< "scripted" or "traced" when recorded
  InputType input;      ///< the input dtype and, for integers, the range of the example input
};

FileMetadata read_metadata(const std::string& path, const std::string& text) {
  FileMetadata m;
  if (text.empty()) return m;
  const std::string what =
      "the metadata (" + std::string(kMetadataFile) + ") of TorchScript model '" + path + "'";
  const Json j = parse_json(text, what);
  try {
    m.present = true;
    m.text = text;
    if (j.contains("input_shape"))
      for (const auto& v : j.at("input_shape")) {
        const int64_t n = v.get<int64_t>();
        if (n <= 0) throw InputError(what + ": input_shape has a size " + std::to_string(n));
        m.input_shape.push_back(n);
      }
    if (j.contains("output") && j.at("output").is_string()) m.output = j.at("output").get<std::string>();
    if (j.contains("class_names") && j.at("class_names").is_array())
      for (const auto& v : j.at("class_names")) m.class_names.push_back(v.get<std::string>());
    if (j.contains("input_dtype"))
      m.input.dtype = parse_input_dtype(j.at("input_dtype").get<std::string>(), what);
    if (m.input.integer() && j.contains("input_range")) {
      const Json& r = j.at("input_range");
      if (!r.is_array() || r.size() != 2 || !r[0].is_number_integer() || !r[1].is_number_integer() ||
          r[0].get<int64_t>() >= r[1].get<int64_t>())
        throw InputError(what + ": input_range is " + r.dump() + ", not [LOW, HIGH] with LOW < HIGH");
      m.input.low = r[0].get<int64_t>();
      m.input.high = r[1].get<int64_t>();
    }
    if (j.contains("made_by") && j.at("made_by").is_object()) {
      const Json& b = j.at("made_by");
      auto field = [&](const char* k) {
        return b.contains(k) && b.at(k).is_string() ? b.at(k).get<std::string>() : "";
      };
      m.made_by = field("source");
      m.how = field("how");
      if (!field("how").empty()) m.made_by += ", " + field("how");
      if (!field("weights").empty()) m.made_by += ", weights " + field("weights");
      if (!field("tool").empty())
        m.made_by += " (" + field("tool") + (field("torch").empty() ? "" : ", torch " + field("torch")) + ")";
    }
  } catch (const Json::exception& e) {
    throw InputError(what + " is malformed: " + std::string(e.what()));
  }
  return m;
}

// The method that computes f(x): `forward`, or for a scripted module with overloads (nn.LSTM scripts its
// forward as forward__0(input, hx=None) and forward__1(PackedSequence, …)) the first that takes one tensor.
std::string forward_method(const torch::jit::Module& module, const std::string& path) {
  if (module.find_method("forward")) return "forward";
  std::vector<std::string> names;
  for (const auto& m : module.get_methods()) names.push_back(m.name());
  for (const auto& name : names) {
    if (name.rfind("forward__", 0) != 0) continue;
    const auto& args = module.get_method(name).function().getSchema().arguments();
    if (args.size() < 2 || args[1].type()->kind() != c10::TypeKind::TensorType) continue;
    if (std::all_of(args.begin() + 2, args.end(),
                    [](const c10::Argument& a) { return a.default_value().has_value(); }))
      return name;
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  throw InputError("TorchScript model '" + path + "' has no forward method taking one tensor (its methods: " +
                   (list.empty() ? "none" : list) + ")");
}

// The tensor at a dotted path into what forward returned; `note` says what was chosen where it is not plain.
at::Tensor select_output(c10::IValue out, const std::string& selector, const std::string& path,
                         std::string* note) {
  auto kind = [](const c10::IValue& v) -> std::string {
    if (v.isTuple()) return "a tuple of " + std::to_string(v.toTupleRef().elements().size());
    if (v.isList()) return "a list of " + std::to_string(v.toListRef().size());
    if (v.isGenericDict()) return "a dict";
    if (v.isTensor()) return "a tensor";
    return "a " + v.tagKind();
  };
  const std::string fix = " (choose with --output: an index, a dict key or a dotted path such as 1.0)";
  std::vector<std::string> steps;
  for (size_t start = 0; start <= selector.size() && !selector.empty();) {
    const auto dot = selector.find('.', start);
    steps.push_back(selector.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  const bool chosen_by_default = steps.empty() && (out.isTuple() || out.isList());
  if (chosen_by_default) steps.push_back("0");
  std::string walked;
  for (const auto& step : steps) {
    const std::string here = walked.empty() ? "the output" : "output " + walked;
    if (out.isTuple() || out.isList()) {
      const auto& items = out.isTuple() ? out.toTupleRef().elements().vec() : out.toListRef().vec();
      int64_t i = -1;
      if (!step.empty() && step.find_first_not_of("0123456789") == std::string::npos && step.size() < 10)
        i = std::stoll(step);
      if (i < 0 || i >= static_cast<int64_t>(items.size()))
        throw InputError("TorchScript model '" + path + "': --output '" + selector + "': " + here + " is " +
                         kind(out) + ", and '" + step + "' is not an index below " +
                         std::to_string(items.size()));
      out = items[static_cast<size_t>(i)];
    } else if (out.isGenericDict()) {
      const auto dict = out.toGenericDict();
      std::string keys;
      c10::optional<c10::IValue> found;
      for (const auto& kv : dict) {
        const std::string key = kv.key().isString() ? kv.key().toStringRef() : kv.key().tagKind();
        keys += (keys.empty() ? "" : ", ") + key;
        if (kv.key().isString() && key == step) found = kv.value();
      }
      if (!found)
        throw InputError("TorchScript model '" + path + "': --output '" + selector + "': " + here +
                         " is a dict without the key '" + step + "' (keys: " + keys + ")");
      out = *found;
    } else {
      throw InputError("TorchScript model '" + path + "': --output '" + selector + "': " + here + " is " +
                       kind(out) + ", which has no element '" + step + "'");
    }
    walked += (walked.empty() ? "" : ".") + step;
  }
  if (out.isGenericDict() || out.isTuple() || out.isList())
    throw InputError("TorchScript model '" + path + "': forward returns " + kind(out) +
                     (walked.empty() ? "" : " at output " + walked) + fix);
  if (!out.isTensor())
    throw InputError("TorchScript model '" + path + "': the output" + (walked.empty() ? "" : " " + walked) +
                     " is " + kind(out) + ", not a tensor" + fix);
  if (note && chosen_by_default)
    *note = "forward returns a tuple or list: the kernel is taken of output 0" + fix;
  else if (note && !walked.empty())
    *note = "the kernel is taken of output " + walked;
  return out.toTensor();
}

// Every tensor in what forward returned, by its --output path, with its shape: "0 [2, 5, 8], 1.0 [2, 2, 8]".
void list_outputs(const c10::IValue& v, const std::string& at, std::string* out) {
  auto add = [&](const std::string& text) { *out += (out->empty() ? "" : ", ") + text; };
  const std::string prefix = at.empty() ? "" : at + ".";
  if (v.isTensor()) {
    add((at.empty() ? "the output" : at) + " [" + shape_to_string(v.toTensor().sizes().vec()) + "]");
  } else if (v.isTuple() || v.isList()) {
    const auto items = v.isTuple() ? v.toTupleRef().elements().vec() : v.toListRef().vec();
    for (size_t i = 0; i < items.size(); ++i) list_outputs(items[i], prefix + std::to_string(i), out);
  } else if (v.isGenericDict()) {
    for (const auto& kv : v.toGenericDict())
      list_outputs(kv.value(), prefix + (kv.key().isString() ? kv.key().toStringRef() : kv.key().tagKind()),
                   out);
  } else {
    add((at.empty() ? "the output" : at) + " (" + v.tagKind() + ")");
  }
}

class TorchScriptModel : public Model {
 public:
  TorchScriptModel(torch::jit::Module module, const std::string& path,
                   const std::vector<int64_t>& input_shape, std::vector<std::vector<std::string>> groups = {},
                   FileMetadata metadata = {}, std::string output = {})
      : module_(std::move(module)),
        path_(path),
        groups_(std::move(groups)),
        metadata_(std::move(metadata)),
        output_(std::move(output)) {
    spec_ = path;
    input_shape_ = input_shape;
    input_type_ = metadata_.input;
    class_names_ = metadata_.class_names;
    method_ = forward_method(module_, path_);
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
    return select_output(forward_value(p, x), output_, path_, output_note_.empty() ? &output_note_ : nullptr);
  }

  // The first axis of the chosen output must be the batch. A tuple such as an LSTM's (output, (h, c)) holds
  // tensors whose first axis equals N only by chance (h is [layers, N, hidden]), so once per model a second
  // batch of another size (2 rows, or 3 when N is 2; never 1, which a squeeze() would drop) must change it.
  void check_batch_axis(const at::Tensor& x, const at::Tensor& out) const override {
    const int64_t n = x.size(0);
    const bool follows = out.dim() > 0 && out.size(0) == n;
    if (follows && batch_axis_checked_) return;
    at::NoGradGuard no_grad;
    std::string second;  // the chosen output's shape for a batch of another size, where known
    if (follows) {
      const int64_t m = n == 2 ? 3 : 2;
      const at::Tensor other = x.index_select(0, at::arange(m, x.options().dtype(at::kLong)).remainder(n));
      at::Tensor out2;
      try {
        out2 = select_output(forward_value(params_, other), output_, path_, nullptr);
      } catch (const InputError&) {
        // A model that runs only at this batch size (a trace that fixed it) cannot be checked this way: it
        // is taken on its first axis alone, as before.
        batch_axis_checked_ = true;
        return;
      }
      if (out2.dim() > 0 && out2.size(0) == m) {
        batch_axis_checked_ = true;
        return;
      }
      second = " and [" + shape_to_string(out2.sizes().vec()) + "] for a batch of " + std::to_string(m);
    }
    const c10::IValue whole = forward_value(params_, x);
    if (whole.isTensor())
      throw InputError("TorchScript model '" + path_ +
                       "' must return one output row per input (the batch as its "
                       "first axis): it returns [" +
                       shape_to_string(out.sizes().vec()) + "] for a batch of " + std::to_string(n) + second);
    std::string all;
    list_outputs(whole, "", &all);
    const std::string chosen = output_.empty() ? "the output" : "output " + output_;
    throw InputError("TorchScript model '" + path_ + "': the first axis of " + chosen +
                     " is not the batch: it is [" + shape_to_string(out.sizes().vec()) + "] for a batch of " +
                     std::to_string(n) + second +
                     ". Choose with --output a tensor whose first axis is the batch; forward returns, for a "
                     "batch of " +
                     std::to_string(n) + ": " + all);
  }

  // What forward returns at parameters p (swapped in, then restored).
  c10::IValue forward_value(const std::vector<at::Tensor>& p, const at::Tensor& x) const {
    NoGraphOptimization no_opt;
    for (size_t i = 0; i < p.size(); ++i)
      for (auto& o : owners_[i]) o.first.setattr(o.second, p[i]);
    refresh_flat_weights();
    c10::IValue out;
    try {
      out = module_.get_method(method_)({x});
    } catch (const c10::Error& e) {
      restore();
      throw forward_error(x, last_error_line(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      restore();
      throw forward_error(x, last_error_line(e.what()));
    }
    restore();
    return out;
  }

  std::vector<std::string> file_notes() const override {
    std::vector<std::string> notes;
    if (metadata_.present)
      notes.push_back("made by " +
                      (metadata_.made_by.empty() ? std::string("an unknown tool") : metadata_.made_by));
    if (method_ != "forward") notes.push_back("forward is the overload " + method_ + " (one tensor in)");
    if (!output_note_.empty()) notes.push_back(output_note_);
    return notes;
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
      torch::jit::ExtraFilesMap extra;
      if (metadata_.present) extra[kMetadataFile] = metadata_.text;
      module_.save(bytes, extra);
    } catch (const c10::Error& e) {
      restore();
      throw InputError("cannot save TorchScript model '" + path +
                       "': " + first_line(e.what_without_backtrace()));
    }
    restore();
    write_file_atomic(path, bytes.str());
  }

  std::shared_ptr<Model> clone() const override {
    auto copy = std::make_shared<TorchScriptModel>(module_.deepcopy(), path_, input_shape_, groups_,
                                                   metadata_, output_);
    copy->export_dtype_ = export_dtype_;
    copy->batch_axis_checked_ = batch_axis_checked_;
    // A decided choice of blocks or one at a time holds for the copy (the same network: watch's snapshots),
    // so a series does not measure, and perhaps choose, anew at each snapshot.
    if (block_choice_.stage == 3) copy->block_choice_ = block_choice_;
    // The copy's module holds this model's detached tensors, whose requires_grad flags are gone: the
    // trainable/frozen marks come from here, or a frozen backbone would join the clone's NTK.
    copy->trainable_ = trainable_;
    copy->parameter_note_ = parameter_note_;
    copy->set_parameters(params_);
    copy->select_parameters(selection_);
    return copy;
  }

  // Buffers by their names in the module (batch-norm statistics change in training, so a snapshot holds
  // them); everything else is a parameter for Model::load_state. Checked whole before anything is set.
  void load_state(const std::vector<std::pair<std::string, at::Tensor>>& state,
                  const std::string& source) override {
    std::vector<std::pair<std::string, at::Tensor>> params;
    std::vector<std::pair<at::Tensor, at::Tensor>> buffers;  // the module's buffer, its new value
    for (const auto& [name, value] : state) {
      at::Tensor buffer;
      for (const auto& nb : module_.named_buffers(true))
        if (nb.name == name) {
          buffer = nb.value;
          break;
        }
      if (!buffer.defined()) {
        params.emplace_back(name, value);
        continue;
      }
      if (value.sizes() != buffer.sizes())
        throw InputError(source + ": buffer '" + name + "' has shape [" +
                         shape_to_string(value.sizes().vec()) + "] but the model's has shape [" +
                         shape_to_string(buffer.sizes().vec()) + "]");
      buffers.emplace_back(buffer, value);
    }
    Model::load_state(params, source);
    at::NoGradGuard no_grad;
    for (auto& [buffer, value] : buffers) buffer.copy_(value.to(buffer.device(), buffer.scalar_type()));
    restore();
  }

  // As PyTorch's Module.to: floating parameters, buffers and tensor attributes take the dtype; integer and
  // boolean ones (a graph's edge index, a causal mask, BatchNorm's num_batches_tracked) only move to the
  // device. jit::Module::to would cast them all. set_data keeps each tensor's identity, so tied tensors and
  // the lists that alias parameters (an RNN's _flat_weights) follow.
  void to(const at::TensorOptions& options) override {
    at::NoGradGuard no_grad;
    const at::ScalarType dtype = options.dtype().toScalarType();
    std::vector<const c10::TensorImpl*> done;
    auto convert = [&](at::Tensor t) {
      if (!t.defined() || std::find(done.begin(), done.end(), t.unsafeGetTensorImpl()) != done.end()) return;
      done.push_back(t.unsafeGetTensorImpl());
      const at::Tensor moved = t.is_floating_point() ? t.to(options.device(), dtype) : t.to(options.device());
      if (!moved.is_same(t)) t.set_data(moved);
    };
    for (const auto& sub : module_.modules())
      for (const c10::IValue& v : sub._ivalue()->slots()) {
        if (v.isTensor()) convert(v.toTensor());
        if (v.isList())
          for (const c10::IValue& e : v.toListRef())
            if (e.isTensor()) convert(e.toTensor());
      }
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
    // A precision mismatch, not an index that lost its integer dtype (an int buffer cast by another tool).
    const bool index = what.find("int32 or int64") != std::string::npos ||
                       what.find("Long, Int") != std::string::npos ||
                       what.find("for index") != std::string::npos;
    const bool dtype =
        !index && (what.find("same dtype") != std::string::npos ||
                   what.find("scalar type") != std::string::npos || what.find("dtype") != std::string::npos);
    const std::string model = "TorchScript model '" + path_ + "'";
    // Integer inputs: a float batch given to an embedding, or token ids beyond the model's vocabulary.
    if (x.is_floating_point() &&
        (what.find("'indices'") != std::string::npos || what.find("Long, Int") != std::string::npos))
      return InputError(model + " takes integer inputs (" + what +
                        "): export it with scripts/export-model --input-dtype int64 --input-range LOW,HIGH, "
                        "and give integer data (an int64 .npy or .npz)");
    if (!x.is_floating_point() && x.numel() > 0 && what.find("out of range") != std::string::npos) {
      std::string range = "[" + std::to_string(x.min().item<int64_t>()) + ", " +
                          std::to_string(x.max().item<int64_t>()) + "]";
      if (input_type_.has_range())
        range += "; the file records inputs in [" + std::to_string(input_type_.low) + ", " +
                 std::to_string(input_type_.high) + ")";
      return InputError(model + " rejects integer inputs in " + range + ": " + what);
    }
    if (dtype && x.is_floating_point() && x.scalar_type() != export_dtype_) {
      // Only a traced file fixes the dtype of the tensors it creates; a scripted one does so in its code.
      const std::string why =
          metadata_.how == "scripted"
              ? "a tensor its code creates has a fixed dtype (e.g. torch.zeros(..., dtype=torch.float32))"
              : "tracing fixed the precision of tensors it creates (or its code did)";
      return InputError(model + " was exported in " + dtype_name(export_dtype_) + " and does not run in " +
                        dtype_name(x.scalar_type()) + " (" + what + "): " + why + ". Run it with --dtype " +
                        dtype_name(export_dtype_) + ", or export it again in " + dtype_name(x.scalar_type()) +
                        (metadata_.how == "scripted"
                             ? ""
                             : std::string(" (model.") +
                                   (x.scalar_type() == at::kFloat ? "float" : "double") +
                                   "() before torch.jit.trace), or script it with torch.jit.script"));
    }
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
  FileMetadata metadata_;
  std::string output_;  ///< the output selector (docs/FORMATS.md)
  std::string method_;  ///< the method computing f(x)
  mutable std::string output_note_;
  mutable bool batch_axis_checked_ = false;
  at::ScalarType export_dtype_ = at::kDouble;
};

}  // namespace

std::shared_ptr<Model> load_torchscript(const std::string& path, const std::vector<int64_t>& input_shape,
                                        const std::string& output) {
  reject_special_file(path, "TorchScript model '" + path + "'");  // opening a FIFO would block
  {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw InputError("TorchScript model '" + path + "': file not found or not readable");
  }
  torch::jit::Module module;
  torch::jit::ExtraFilesMap extra{{kMetadataFile, ""}};
  try {
    module = torch::jit::load(path, c10::nullopt, extra);
  } catch (const c10::Error& e) {
    throw InputError("TorchScript model '" + path +
                     "' cannot be loaded (corrupt, truncated or not TorchScript): " +
                     first_line(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw InputError("TorchScript model '" + path + "' cannot be loaded: " + first_line(e.what()));
  }
  FileMetadata metadata = read_metadata(path, extra[kMetadataFile]);
  const std::vector<int64_t> shape = input_shape.empty() ? metadata.input_shape : input_shape;
  if (shape.empty())
    throw InputError("TorchScript model '" + path +
                     "': give the shape of one input (--input-shape, e.g. 15,10), or export the model with "
                     "scripts/export-model, which records it in the file");
  const std::string selector = output.empty() ? metadata.output : output;
  return std::make_shared<TorchScriptModel>(
      std::move(module), path, shape, std::vector<std::vector<std::string>>{}, std::move(metadata), selector);
}

}  // namespace ts
