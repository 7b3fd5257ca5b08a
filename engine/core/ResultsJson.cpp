#include "core/ResultsJson.h"

#include "core/Errors.h"
#include "core/JsonFields.h"
#include "core/Results.h"

namespace ts {

template <class V>
void fields(V& v, MetricValue& m) {
  v("metric", m.name);
  v("method", m.method);
  v("value", m.value, nan_as_null());
  v.nullable("std_error", m.std_error, nan_as_null());
  v("exact", m.exact, nan_as_null());  // only where compared with the exact value
  if (m.exact) v.nullable("rel_error", m.rel_error, nan_as_null());
  v("matvecs", m.matvecs);
  v("vjps", m.vjps);
  v("jvps", m.jvps);
  v("seconds", m.seconds, nan_as_null());
}

template <class V>
void fields(V& v, DynamicsRow& row) {
  v("epoch", row.epoch);
  v("exact_compared", row.exact_compared);
  v("metrics", row.values);
}

Json write_value(const MetricValue& m) { return write_fields(m); }
Json to_json(const MetricValue& m) { return write_value(m); }

MetricValue metric_value_of(const Json& j, const std::string& what) {
  MetricValue m;
  read_value(JsonField(j, what), m);
  return m;
}

Json write_value(const DynamicsRow& row) { return write_fields(row); }
Json to_json(const DynamicsRow& row) { return write_value(row); }

DynamicsRow dynamics_row_of(const Json& j, const std::string& what) {
  DynamicsRow row;
  read_value(JsonField(j, what), row);
  return row;
}

template <class V>
void fields(V& v, EpochStats& s) {
  v("epoch", s.epoch);
  v("train_loss", s.train_loss);
  v("train_accuracy", s.train_accuracy);
  v("test_loss", s.test_loss);
  v("test_accuracy", s.test_accuracy);
  v("seconds", s.seconds);
}

Json write_value(const EpochStats& s) { return write_fields(s); }
Json to_json(const EpochStats& s) { return write_value(s); }

}  // namespace ts
