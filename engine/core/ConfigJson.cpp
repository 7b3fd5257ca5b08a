#include "core/ConfigJson.h"

#include "core/Config.h"

namespace ts {

Json to_json(const TrainOptions& to) {
  Json tj = Json::object();
  tj["optimizer"] = to.optimizer;
  tj["loss"] = to.loss;
  tj["epochs"] = to.epochs;
  tj["batch_size"] = to.batch_size;
  tj["lr"] = to.lr;
  tj["schedule"] = to.schedule;
  tj["momentum"] = to.momentum;
  tj["weight_decay"] = to.weight_decay;
  tj["seed"] = to.seed;
  return tj;
}

Json to_json(const ComputeConfig& c) {
  Json j = Json::object();
  j["device"] = c.device;
  j["dtype"] = c.dtype;
  j["threads"] = c.threads;
  j["seed"] = c.seed;
  j["memory_budget"] = c.memory_budget;
  j["product_batch"] = c.product_batch;
  j["distribute"] = c.distribute;
  return j;
}

Json to_json(const EstimatorOptions& o) {
  Json j = Json::object();
  j["method"] = o.method;
  j["matvecs"] = o.matvecs;
  j["probes"] = o.probes == ProbeDistribution::Gaussian ? "gaussian" : "rademacher";
  j["hutchpp_split"] = o.split == HutchppSplit::Seed ? "seed" : "thirds";
  j["tol"] = o.tol;
  j["max_matvecs"] = o.max_matvecs;
  j["seed"] = o.seed;
  j["block"] = o.block;
  return j;
}

}  // namespace ts
