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

namespace {

Json to_json(const PntkWidthFit& f) {
  Json j = Json::object();
  j["stage"] = f.stage;
  j["error"] = f.error;
  j["min_width"] = f.min_width;
  j["slope"] = f.fit.slope;
  j["intercept"] = f.fit.intercept;
  j["std_error"] = f.fit.std_error;
  j["ci_low"] = f.fit.ci_low;
  j["ci_high"] = f.fit.ci_high;
  j["points"] = f.fit.points;
  j["seed_slopes"] = f.seed_slopes;
  if (f.seed_slope_mean) {  // the four come together (two seed slopes or more)
    j["seed_slope_mean"] = *f.seed_slope_mean;
    j["seed_slope_sd"] = json_or_null(f.seed_slope_sd);
    j["seed_ci_low"] = json_or_null(f.seed_ci_low);
    j["seed_ci_high"] = json_or_null(f.seed_ci_high);
  }
  return j;
}

Json fits_json(const std::vector<PntkWidthFit>& fits) {
  Json j = Json::array();
  for (const auto& f : fits) j.push_back(to_json(f));
  return j;
}

}  // namespace

Json to_json(const PntkWidthUpdate& u) {
  Json j = Json::object();
  j["point"] = to_json(u.point);
  j["fits"] = fits_json(u.fits);
  return j;
}

Json to_json(const PntkWidthResult& r) {
  const PntkWidthRequest& q = r.request;
  Json result = Json::object();
  Json pts = Json::array();
  for (const auto& p : r.points) pts.push_back(to_json(p));
  result["points"] = pts;
  result["fits"] = fits_json(r.fits);
  Json cfg = Json::object();
  cfg["data"] = q.data;
  cfg["batch_description"] = r.batch_description;
  cfg["batch"] = q.batch;
  cfg["heldout"] = q.heldout;
  cfg["widths"] = q.widths;
  cfg["depth"] = q.depth;
  cfg["seeds"] = q.seeds;
  cfg["param"] = q.param;
  cfg["activation"] = "relu";
  cfg["epochs"] = q.epochs;
  cfg["train_n"] = r.train_n;
  if (q.epochs > 0) cfg["training"] = to_json(q.training);
  cfg["ridge"] = q.ridge;
  cfg["fit_min_width"] = q.fit_min_width;
  cfg["compute"] = to_json(q.compute);
  result["config"] = cfg;
  if (!r.files.empty()) result["files"] = r.files;
  return result;
}

}  // namespace ts
