// One active-learning cycle as JSON, declared once (core/JsonFields.h): the list below writes al.json's
// cycles and reads them back from session files with every member checked. Fields, order and presence are
// those scripts read: optional parts are written only where they exist.
#include "active_learning/AlCycleJson.h"

#include <climits>

#include "active_learning/AlResultJson.h"
#include "core/JsonFields.h"
#include "jobs/AlJob.h"

namespace ts {

namespace {
constexpr size_t kMaxItems = 10'000'000;  // pixels of a few hundred images, the pool of 2-D data
}  // namespace

// The lists are in namespace ts, not an unnamed one: the readers of core/JsonFields.h find them by
// argument-dependent lookup, which does not look into unnamed namespaces.
template <class V>
void fields(V& v, AlQuery& q) {
  v("index", q.index, integers(0));
  v("score", q.score, nan_as_null());  // NaN (random) is written as null
  v("true_label", q.true_label, integers(0));
  v("pseudo_label", q.pseudo_label, integers(-1));
  v("output", q.output, at_most(kMaxItems));
  v("predicted_change", q.predicted_change, at_most(kMaxItems));
  v("pixels", q.pixels, at_most(kMaxItems));
  v("x", q.x, at_most(kMaxItems));
}

template <class V>
void fields(V& v, AlPoints2d& p) {
  v("labelled", p.labelled, at_most(kMaxItems));
  v("pool", p.pool, at_most(kMaxItems));
}

template <class V>
void fields(V& v, AlCycle& c) {
  v("strategy", c.strategy);
  v("seed", c.seed);
  v("cycle", c.cycle, integers(0));
  v("labels", c.labels, integers(0));
  v("test_accuracy", c.test_accuracy, nan_as_null());
  v("test_loss", c.test_loss, nan_as_null());
  v("train_seconds", c.train_seconds, numbers(0));
  v("query_seconds", c.query_seconds, numbers(0));
  v("seconds", c.seconds, numbers(0));
  v("kernel_seconds", c.kernel_seconds);
  v("kernel_shift", c.kernel_shift);
  v("note", c.note);
  v("queried", c.queried, at_most(kMaxItems));
  v("image_shape", c.image_shape, at_most(3, integers(1, 65535)));
  v("points2d", c.points2d);
}

// Images are drawn from their pixels as [C, H, W]: every query must carry exactly that many.
void check(const JsonField& f, const AlCycle& c) {
  if (!c.image_shape) return;
  const auto& s = *c.image_shape;
  if (s.size() != 3)
    f.member("image_shape").fail("must be [C, H, W], got " + std::to_string(s.size()) + " sizes");
  const uint64_t n = uint64_t(s[0]) * uint64_t(s[1]) * uint64_t(s[2]);
  for (size_t i = 0; i < c.queried.size(); ++i) {
    const auto& px = c.queried[i].pixels;
    if (!px || px->size() != n)
      f.member("queried").item(i).fail("holds " + std::to_string(px ? px->size() : 0) +
                                       " pixels but image_shape [" + std::to_string(s[0]) + ", " +
                                       std::to_string(s[1]) + ", " + std::to_string(s[2]) + "] needs " +
                                       std::to_string(n));
  }
}

// [x, y, class], the class an integer.
void read_value(const JsonField& f, AlPoint2d& p, const Rule&) {
  const Json& a = f.json();
  if (!a.is_array() || a.size() != 3) f.fail("must be [x, y, class], got " + JsonField::brief(a));
  p.x = f.item(0).number();
  p.y = f.item(1).number();
  p.label = f.item(2).integer<int64_t>(integers(0, INT_MAX));
}
Json write_value(const AlPoint2d& p) {
  Json a = Json::array();
  a.push_back(p.x);
  a.push_back(p.y);
  a.push_back(p.label);
  return a;
}

void read_value(const JsonField& f, AlCycle& x, const Rule&) { read_fields(f, x); }
Json write_value(const AlCycle& x) { return write_fields(x); }

Json to_json(const AlCycle& c) { return write_value(c); }

AlCycle al_cycle_of(const Json& j, const std::string& what) {
  AlCycle c;
  read_value(JsonField(j, what), c, {});
  return c;
}

}  // namespace ts
