#include "jobs/PntkWidthJson.h"

#include "core/ConfigJson.h"
#include "core/Errors.h"
#include "core/JsonFields.h"
#include "jobs/PntkWidthJob.h"

namespace ts {

template <class V>
void fields(V& v, PntkWidthPoint& p) {
  v("stage", p.stage);
  v("width", p.width);
  v("seed", p.seed);
  v("params", p.params);
  v("rel_frobenius", p.rel_frobenius, nan_as_null());
  v("rel_lambda_max", p.rel_lambda_max, nan_as_null());
  v("rel_prediction", p.rel_prediction, nan_as_null());
  v("rel_prediction_ridge", p.rel_prediction_ridge, nan_as_null());
  v("heldout_accuracy", p.heldout_accuracy, nan_as_null());
  v("heldout_accuracy_pntk", p.heldout_accuracy_pntk, nan_as_null());
  v("seconds", p.seconds, nan_as_null());
}

Json to_json(const PntkWidthPoint& p) { return write_value(p); }

PntkWidthPoint pntk_width_point_of(const Json& j, const std::string& what) {
  PntkWidthPoint p;
  read_value(JsonField(j, what), p);
  return p;
}

template <class V>
void fields(V& v, PntkWidthFit& f) {
  v("stage", f.stage);
  v("error", f.error);
  v("min_width", f.min_width);
  v("slope", f.fit.slope);
  v("intercept", f.fit.intercept);
  v("std_error", f.fit.std_error);
  v("ci_low", f.fit.ci_low);
  v("ci_high", f.fit.ci_high);
  v("points", f.fit.points);
  v("seed_slopes", f.seed_slopes);
  v("seed_slope_mean", f.seed_slope_mean);
  if (f.seed_slope_mean) {  // the four come together (two seed slopes or more)
    v.nullable("seed_slope_sd", f.seed_slope_sd);
    v.nullable("seed_ci_low", f.seed_ci_low);
    v.nullable("seed_ci_high", f.seed_ci_high);
  }
}

template <class V>
void fields(V& v, PntkWidthUpdate& u) {
  v("point", u.point);
  v("fits", u.fits);
}

template <class V>
void fields(V& v, PntkWidthResult& r) {
  PntkWidthRequest& q = r.request;
  v("points", r.points);
  v("fits", r.fits);
  v.object("config", [&](auto& c) {
    c("data", q.data);
    c("batch_description", r.batch_description);
    c("batch", q.batch);
    c("heldout", q.heldout);
    c("widths", q.widths);
    c("depth", q.depth);
    c("seeds", q.seeds);
    c("param", q.param);
    c.derived("activation", std::string("relu"));
    c("epochs", q.epochs);
    c("train_n", r.train_n);
    if (q.epochs > 0) c("training", q.training);
    c("ridge", q.ridge);
    c("fit_min_width", q.fit_min_width);
    c("compute", q.compute);
  });
  v.omit_empty("files", r.files);
}

Json to_json(const PntkWidthUpdate& u) { return write_fields(u); }
Json to_json(const PntkWidthResult& r) { return write_fields(r); }

}  // namespace ts
