#include "training/Training.h"

#include <torch/csrc/autograd/autograd.h>

#include <chrono>
#include <cmath>

#include "core/Errors.h"
#include "core/TorchUtil.h"
#include "io/Spec.h"

namespace ts {

namespace {

// The loss of outputs `out` ([B, ...]) against the rows `idx` of `data`.
at::Tensor loss_of(const at::Tensor& out_in, const Dataset& data, const at::Tensor& idx,
                   const std::string& loss) {
  const at::Tensor out = out_in.reshape({out_in.size(0), -1});
  if (loss == "cross_entropy") {
    if (!data.labels.defined())
      throw InputError("cross-entropy needs labelled data; " + data.description +
                       " has none (use --loss mse)");
    if (data.num_classes > out.size(1))
      throw InputError("the model has " + std::to_string(out.size(1)) + " outputs but " + data.description +
                       " has " + std::to_string(data.num_classes) +
                       " classes: cross-entropy needs one output per class (out=" +
                       std::to_string(data.num_classes) + " for a built-in model)");
    return at::nll_loss(at::log_softmax(out, 1), data.labels.index_select(0, idx).to(out.device()));
  }
  if (loss == "mse" || loss == "mse_mean") {
    at::Tensor y;
    if (data.targets.defined())
      y = data.targets.index_select(0, idx);
    else if (data.labels.defined())
      y = at::one_hot(data.labels.index_select(0, idx), out.size(1));
    else
      throw InputError("MSE needs labels or regression targets; " + data.description + " has neither");
    y = y.to(out.options()).reshape({out.size(0), -1});
    if (y.size(1) != out.size(1))
      throw InputError("MSE: the model has " + std::to_string(out.size(1)) +
                       " outputs but the targets have " + std::to_string(y.size(1)));
    if (loss == "mse_mean") return (out - y).pow(2).mean();
    return 0.5 * (out - y).pow(2).sum(1).mean();
  }
  throw InputError("loss '" + loss + "' is not cross_entropy, mse or mse_mean");
}

double accuracy_of(const at::Tensor& out, const Dataset& data, const at::Tensor& idx) {
  if (!data.labels.defined()) return NAN;
  const at::Tensor pred = out.reshape({out.size(0), -1}).argmax(1).cpu();
  return (pred == data.labels.index_select(0, idx)).to(at::kDouble).sum().item<double>();
}

void check_shape(const Model& model, const Dataset& data, const char* what) {
  if (data.input_shape() != model.input_shape())
    throw InputError(std::string(what) + " (" + data.description + ") has inputs of shape [" +
                     shape_to_string(data.input_shape()) + "] but model '" + model.spec() + "' takes [" +
                     shape_to_string(model.input_shape()) + "]");
}

}  // namespace

OneCycleStep one_cycle(double max_lr, int64_t step, int64_t total_steps) {
  // torch.optim.lr_scheduler.OneCycleLR with pct_start 0.3, cosine annealing, div_factor 25, final_div_factor
  // 1e4, momentum 0.95 → 0.85 → 0.95 (two phases; the phase ends are the same float expressions).
  const double initial = max_lr / 25, final_lr = initial / 1e4;
  const double end1 = 0.3 * double(total_steps) - 1, end2 = double(total_steps) - 1;
  auto cosine = [](double start, double end, double pct) {
    return end + (start - end) / 2.0 * (std::cos(M_PI * pct) + 1);
  };
  const double s = double(step);
  if (s <= end1) {
    const double pct = end1 > 0 ? s / end1 : 1.0;
    return {cosine(initial, max_lr, pct), cosine(0.95, 0.85, pct)};
  }
  const double pct = end2 > end1 ? (s - end1) / (end2 - end1) : 1.0;
  return {cosine(max_lr, final_lr, pct), cosine(0.85, 0.95, pct)};
}

std::pair<double, double> evaluate(const Model& model, const Dataset& data, const std::string& loss,
                                   int64_t batch) {
  at::NoGradGuard no_grad;
  double total_loss = 0, correct = 0;
  const int64_t n = data.size();
  for (int64_t s = 0; s < n; s += batch) {
    const int64_t b = std::min(batch, n - s);
    const at::Tensor idx = at::arange(s, s + b, at::kLong);
    const at::Tensor out = model.forward(to_model_input(data.inputs.narrow(0, s, b), model.options()));
    total_loss += loss_of(out, data, idx, loss).item<double>() * double(b);
    correct += accuracy_of(out, data, idx);
  }
  return {total_loss / double(n), data.labels.defined() ? correct / double(n) : NAN};
}

TrainResult train_model(Model& model, const Dataset& train, const Dataset* test, const TrainOptions& o,
                        const RunControl& rc) {
  if (o.epochs < 0) throw InputError("epochs must be non-negative");
  if (o.batch_size < 1) throw InputError("the batch size must be at least 1");
  if (o.lr <= 0 || !std::isfinite(o.lr)) throw InputError("the learning rate must be positive");
  if (o.optimizer != "adam" && o.optimizer != "sgd")
    throw InputError("optimizer '" + o.optimizer + "' is not adam or sgd");
  if (o.schedule != "constant" && o.schedule != "one-cycle")
    throw InputError("learning-rate schedule '" + o.schedule + "' is not constant or one-cycle");
  if (train.size() == 0) throw InputError("the training data is empty");
  check_shape(model, train, "the training data");
  if (test) check_shape(model, *test, "the test data");
  std::vector<int> keep = o.snapshot_epochs;
  if (keep.empty()) keep = {0, o.epochs};
  for (int e : keep)
    if (e < 0 || e > o.epochs)
      throw InputError("snapshot epoch " + std::to_string(e) + " is outside 0…" + std::to_string(o.epochs));
  auto wants = [&](int e) { return std::find(keep.begin(), keep.end(), e) != keep.end(); };

  TrainResult res;
  auto record = [&](int epoch, double seconds) {
    EpochStats s;
    s.epoch = epoch;
    std::tie(s.train_loss, s.train_accuracy) = evaluate(model, train, o.loss);
    if (test)
      std::tie(s.test_loss, s.test_accuracy) = evaluate(model, *test, o.loss);
    else
      s.test_loss = s.test_accuracy = NAN;
    s.seconds = seconds;
    if (!std::isfinite(s.train_loss))
      throw NumericalError("training diverged at epoch " + std::to_string(epoch) +
                           " (loss is NaN or Inf): lower the learning rate");
    res.history.push_back(s);
    if (wants(epoch)) {
      Snapshot snap{epoch, {}};
      for (const auto& p : model.parameters()) snap.params.push_back(p.detach().clone());
      res.snapshots.push_back(std::move(snap));
    }
  };
  record(0, 0.0);

  std::vector<at::Tensor> m1, m2;  // Adam moments, or SGD momentum buffers in m1
  for (const auto& p : model.parameters()) {
    m1.push_back(at::zeros_like(p));
    m2.push_back(at::zeros_like(p));
  }
  auto gen = make_generator(o.seed);
  const int64_t n = train.size(), steps_per_epoch = (n + o.batch_size - 1) / o.batch_size;
  int64_t step = 0;
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    const at::Tensor perm = at::randperm(n, gen, at::TensorOptions().dtype(at::kLong));
    for (int64_t s = 0; s < n; s += o.batch_size) {
      rc.check();
      const at::Tensor idx = perm.narrow(0, s, std::min(o.batch_size, n - s));
      // Frozen parameters (requires_grad=False in the model file) keep their values.
      std::vector<at::Tensor> params, trained;
      for (size_t i = 0; i < model.parameters().size(); ++i) {
        params.push_back(model.parameters()[i].detach());
        if (model.trainable(i)) trained.push_back(params.back().requires_grad_(true));
      }
      at::Tensor loss;
      std::vector<at::Tensor> trained_grads;
      {
        at::AutoGradMode grad_on(true);
        const at::Tensor out =
            model.forward(params, to_model_input(train.inputs.index_select(0, idx), model.options()));
        loss = loss_of(out, train, idx, o.loss);
        trained_grads = torch::autograd::grad({loss}, trained, {}, false, false, /*allow_unused=*/true);
      }
      double lr = o.lr, momentum = o.momentum;
      if (o.schedule == "one-cycle") {
        const OneCycleStep at_step = one_cycle(o.lr, step, int64_t(o.epochs) * steps_per_epoch);
        lr = at_step.lr;
        if (o.optimizer == "sgd") momentum = at_step.momentum;
      }
      ++step;
      std::vector<at::Tensor> next;
      at::NoGradGuard no_grad;
      size_t t = 0;
      for (size_t i = 0; i < params.size(); ++i) {
        const at::Tensor p = params[i].detach();
        if (!model.trainable(i)) {
          next.push_back(p);
          continue;
        }
        const at::Tensor& gi = trained_grads[t++];
        at::Tensor g = gi.defined() ? gi : at::zeros_like(p);
        if (o.weight_decay > 0) g = g + o.weight_decay * p;
        if (o.optimizer == "adam") {
          m1[i].mul_(b1).add_(g, 1 - b1);
          m2[i].mul_(b2).addcmul_(g, g, 1 - b2);
          const double c1 = 1 - std::pow(b1, double(step)), c2 = 1 - std::pow(b2, double(step));
          next.push_back(p - lr * (m1[i] / c1) / ((m2[i] / c2).sqrt() + eps));
        } else {
          if (momentum > 0) {
            m1[i].mul_(momentum).add_(g);
            g = m1[i];
          }
          next.push_back(p - lr * g);
        }
      }
      model.set_parameters(std::move(next));
      rc.report((epoch - 1) * steps_per_epoch + s / o.batch_size + 1, o.epochs * steps_per_epoch,
                "training, epoch " + std::to_string(epoch));
    }
    record(epoch, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return res;
}

}  // namespace ts
