#pragma once
// Training any model (built-in or TorchScript) on a data set, keeping parameter snapshots θ₀ … θ_T.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "core/Results.h"
#include "core/RunControl.h"
#include "data/Data.h"
#include "models/Model.h"

namespace ts {

struct Snapshot {
  int epoch = 0;
  std::vector<at::Tensor> params;  ///< every parameter of the model, in parameter_names() order
};

struct TrainResult {
  std::vector<EpochStats> history;  ///< epoch 0 (initial evaluation) to `epochs`
  std::vector<Snapshot> snapshots;
};

/// Trains all parameters of `model` in place. MSE is ½‖f(x) − y‖² averaged over the batch (mse_mean:
/// PyTorch's mean over batch and outputs); cross-entropy takes the output as logits [N, C]. Progress is
/// reported per mini-batch; cancel is checked between them.
TrainResult train_model(Model& model, const Dataset& train, const Dataset* test, const TrainOptions& options,
                        const RunControl& rc = {});

/// The learning rate and SGD momentum of the one-cycle schedule at mini-batch `step` (0-based) of
/// `total_steps`, as PyTorch's OneCycleLR(max_lr) with its defaults gives them (TrainOptions::schedule).
struct OneCycleStep {
  double lr = 0, momentum = 0;
};
OneCycleStep one_cycle(double max_lr, int64_t step, int64_t total_steps);

/// Mean loss and accuracy (NaN for regression) of the model on `data`.
std::pair<double, double> evaluate(const Model& model, const Dataset& data, const std::string& loss,
                                   int64_t batch_size = 256);

}  // namespace ts
