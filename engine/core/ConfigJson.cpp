#include "core/ConfigJson.h"

#include "core/Config.h"
#include "core/JsonFields.h"

namespace ts {

// The enumerations as the names a file holds.
void read_value(const JsonField& f, ProbeDistribution& x, const Rule& = {}) {
  const std::string s = f.string();
  if (s != "rademacher" && s != "gaussian")
    f.fail("must be rademacher or gaussian, got " + JsonField::brief(f.json()));
  x = s == "gaussian" ? ProbeDistribution::Gaussian : ProbeDistribution::Rademacher;
}
Json write_value(ProbeDistribution x) { return x == ProbeDistribution::Gaussian ? "gaussian" : "rademacher"; }

void read_value(const JsonField& f, HutchppSplit& x, const Rule& = {}) {
  const std::string s = f.string();
  if (s != "thirds" && s != "seed") f.fail("must be thirds or seed, got " + JsonField::brief(f.json()));
  x = s == "seed" ? HutchppSplit::Seed : HutchppSplit::Thirds;
}
Json write_value(HutchppSplit x) { return x == HutchppSplit::Seed ? "seed" : "thirds"; }

template <class V>
void fields(V& v, ComputeConfig& c) {
  const ComputeConfig d;
  v.defaulted("device", c.device, d.device);
  v.defaulted("dtype", c.dtype, d.dtype);
  v.defaulted("threads", c.threads, d.threads, integers(0));
  v.defaulted("seed", c.seed, d.seed);  // exact to 2^64 − 1
  v.defaulted("memory_budget", c.memory_budget, d.memory_budget, integers(1));
  v.defaulted("product_batch", c.product_batch, d.product_batch, integers(-1));
  v.defaulted("distribute", c.distribute, d.distribute);
}

template <class V>
void fields(V& v, EstimatorOptions& o) {
  const EstimatorOptions d;
  v.defaulted("method", o.method, d.method);
  v.defaulted("matvecs", o.matvecs, d.matvecs, integers(1));
  v.defaulted("probes", o.probes, d.probes);
  v.defaulted("hutchpp_split", o.split, d.split);
  v.defaulted("tol", o.tol, d.tol, numbers(0));
  v.defaulted("max_matvecs", o.max_matvecs, d.max_matvecs, integers(1));
  v.defaulted("seed", o.seed, d.seed);
  v.defaulted("block", o.block, d.block, integers(1));
}

template <class V>
void fields(V& v, TrainOptions& t) {
  const TrainOptions d;
  v.defaulted("optimizer", t.optimizer, d.optimizer);
  v.defaulted("loss", t.loss, d.loss);
  v.defaulted("epochs", t.epochs, d.epochs, integers(0));
  v.defaulted("batch_size", t.batch_size, d.batch_size, integers(1));
  v.defaulted("lr", t.lr, d.lr, numbers(0));
  v.defaulted("schedule", t.schedule, d.schedule);
  v.defaulted("momentum", t.momentum, d.momentum, numbers(0));
  v.defaulted("weight_decay", t.weight_decay, d.weight_decay, numbers(0));
  v.defaulted("seed", t.seed, d.seed);
}

void read_value(const JsonField& f, ComputeConfig& x, const Rule&) { read_fields(f, x); }
Json write_value(const ComputeConfig& x) { return write_fields(x); }
void read_value(const JsonField& f, EstimatorOptions& x, const Rule&) { read_fields(f, x); }
Json write_value(const EstimatorOptions& x) { return write_fields(x); }
void read_value(const JsonField& f, TrainOptions& x, const Rule&) { read_fields(f, x); }
Json write_value(const TrainOptions& x) { return write_fields(x); }

Json to_json(const ComputeConfig& c) { return write_value(c); }
Json to_json(const EstimatorOptions& o) { return write_value(o); }
Json to_json(const TrainOptions& t) { return write_value(t); }

}  // namespace ts
