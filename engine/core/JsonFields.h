#pragma once
// JSON declared once next to a struct. A struct lists its members in one function beside it,
//   template <class V> void fields(V& v, Chart& c) { v("title", c.title); v("log_x", c.log_x); … }
// and that list both writes it (write_value) and reads it back with every value checked (read_value): the
// type, the range (a Rule), and the sizes that must agree (a `check(const JsonField&, const T&)` beside it).
// A refusal is an InputError naming the document and the member's path, e.g.
//   session 'run.tsession': run_log[3].config.estimator.matvecs must be an integer from 1 to …, got 1e+300
// Members not listed are ignored; a std::optional member may be absent (or null) and is written only when
// set. Types with a JSON shape of their own (a point as [x, y]) add read_value/write_value overloads.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/Json.h"

namespace ts {

/// Limits of one member: the range of a number or an integer (inclusive), the most items of an array (its
/// items get the same range), and whether null stands for NaN (json_text writes non-finite numbers so).
struct Rule {
  double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  int64_t ilo = std::numeric_limits<int64_t>::min(), ihi = std::numeric_limits<int64_t>::max();
  size_t max_items = std::numeric_limits<size_t>::max();
  bool null_is_nan = false;
};
inline Rule integers(int64_t lo, int64_t hi = std::numeric_limits<int64_t>::max()) {
  Rule r;
  r.ilo = lo;
  r.ihi = hi;
  return r;
}
inline Rule numbers(double lo, double hi = std::numeric_limits<double>::infinity()) {
  Rule r;
  r.lo = lo;
  r.hi = hi;
  return r;
}
inline Rule at_most(size_t items, Rule r = {}) {
  r.max_items = items;
  return r;
}
inline Rule nan_as_null(Rule r = {}) {
  r.null_is_nan = true;
  return r;
}

/// A value inside a JSON document and its path from the root ("run_log[3].config"), for messages. A field
/// refers to its parent: use it while the parent lives (children are made on the stack as a reader descends).
class JsonField {
 public:
  /// The document's root; `what` names the document in messages ("session 'run.tsession'").
  JsonField(const Json& j, std::string what) : j_(&j), what_(std::move(what)) {}
  JsonField(const Json& j, const JsonField& parent, std::string_view key)
      : j_(&j), parent_(&parent), key_(key) {}
  JsonField(const Json& j, const JsonField& parent, size_t index) : j_(&j), parent_(&parent), index_(index) {}

  const Json& json() const { return *j_; }
  /// "heat_maps[0].size"; "" for the root.
  std::string path() const;
  /// Throws InputError: "WHAT: PATH PROBLEM" (problem: "must be …", "is 3000 but …").
  [[noreturn]] void fail(const std::string& problem) const;

  void expect_object() const;
  /// The array's size, refused past `max_items`.
  size_t expect_array(size_t max_items) const;
  /// The member `key` of this object, or nullptr when it is absent.
  const Json* find(std::string_view key) const;
  /// The member `key`, which must be there.
  JsonField member(std::string_view key) const;
  JsonField item(size_t i) const { return JsonField((*j_)[i], *this, i); }

  std::string string() const;
  bool boolean() const;
  double number(const Rule& r = {}) const;
  template <class T>
  T integer(const Rule& r = {}) const;

  /// The value in a few words for a message: a number or a short string as written, else its kind.
  static std::string brief(const Json& v);

 private:
  [[noreturn]] void fail_integer(int64_t lo, uint64_t hi) const;
  const Json* j_;
  const JsonField* parent_ = nullptr;
  std::string_view key_;
  size_t index_ = std::string::npos;
  std::string what_;  ///< the root's only
};

template <class T>
T JsonField::integer(const Rule& r) const {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  // The rule's range within T's own (every range here ends at or above 0); an unbounded rule on an unsigned
  // 64-bit member means all of it.
  const int64_t lo =
      std::max<int64_t>(r.ilo, std::is_signed_v<T> ? int64_t(std::numeric_limits<T>::min()) : 0);
  const uint64_t t_max = uint64_t(std::numeric_limits<T>::max());
  const uint64_t hi = r.ihi == std::numeric_limits<int64_t>::max()
                          ? t_max
                          : std::min<uint64_t>(t_max, uint64_t(std::max<int64_t>(r.ihi, 0)));
  const Json& v = *j_;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u <= hi && (lo <= 0 || u >= uint64_t(lo))) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (i >= lo && (i < 0 || uint64_t(i) <= hi)) return static_cast<T>(i);
  }
  fail_integer(lo, hi);
}

/// Parses JSON text, refusing arrays and objects nested deeper than `max_depth` while parsing (a deeply
/// nested document would otherwise exhaust the stack of every recursive walk over it). Throws InputError
/// naming `what`.
Json parse_json_bounded(const std::string& text, const std::string& what, int max_depth);

// ---- Reading and writing through a struct's `fields` list ----

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

/// A struct without a `check` of its own needs none.
template <class T>
void check(const JsonField&, const T&) {}

template <class T, std::enable_if_t<std::is_same_v<T, Json>, int> = 0>
void read_value(const JsonField& f, T& x, const Rule& = {}) {
  x = f.json();
}
inline void read_value(const JsonField& f, std::string& x, const Rule& = {}) { x = f.string(); }
inline void read_value(const JsonField& f, bool& x, const Rule& = {}) { x = f.boolean(); }
inline void read_value(const JsonField& f, double& x, const Rule& r = {}) { x = f.number(r); }
template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
void read_value(const JsonField& f, T& x, const Rule& r = {}) {
  x = f.integer<T>(r);
}
inline void read_value(const JsonField& f, std::vector<bool>& x, const Rule& r = {}) {
  const size_t n = f.expect_array(r.max_items);
  x.assign(n, false);
  for (size_t i = 0; i < n; ++i) x[i] = f.item(i).boolean();
}
template <class T>
void read_value(const JsonField& f, std::vector<T>& x, const Rule& r = {});
template <class T, std::enable_if_t<std::is_class_v<T> && !std::is_same_v<T, Json>, int> = 0>
void read_value(const JsonField& f, T& x, const Rule& r = {});

/// Reads the members a `fields` list names from one object.
class JsonReader {
 public:
  explicit JsonReader(const JsonField& object) : f_(object) {}
  /// A member that must be there; a std::optional one may be absent or null.
  template <class T>
  void operator()(std::string_view key, T& x, const Rule& r = {}) {
    const Json* v = f_.find(key);
    if constexpr (is_optional<T>::value) {
      x.reset();
      if (!v || v->is_null()) return;
      x.emplace();
      read_value(JsonField(*v, f_, key), *x, r);
    } else {
      read_value(v ? JsonField(*v, f_, key) : f_.member(key), x, r);  // member() throws "… is missing"
    }
  }
  /// An optional member written as null when unset (so the key is always there); absent or null reads unset.
  template <class T>
  void nullable(std::string_view key, std::optional<T>& x, const Rule& r = {}) {
    (*this)(key, x, r);
  }
  /// A member that may be absent (or null), meaning `value`; always written.
  template <class T>
  void defaulted(std::string_view key, T& x, const T& value, const Rule& r = {}) {
    omit_if(key, x, value, r);
  }
  /// A member that may be absent (or null), meaning `value`; written only when it differs.
  template <class T>
  void omit_if(std::string_view key, T& x, const T& value, const Rule& r = {}) {
    const Json* v = f_.find(key);
    if (!v || v->is_null()) {
      x = value;
      return;
    }
    read_value(JsonField(*v, f_, key), x, r);
  }
  /// A string or array that may be absent (or null), meaning empty; written only when not empty.
  template <class T>
  void omit_empty(std::string_view key, T& x, const Rule& r = {}) {
    omit_if(key, x, T{}, r);
  }
  /// A value computed from the others when written (a relative error, a sum): not read back.
  template <class T>
  void derived(std::string_view, const T&) {}
  /// A member that is an object of its own, whose members `list(visitor)` names (a result's "config").
  template <class F>
  void object(std::string_view key, F&& list) {
    const JsonField m = f_.member(key);
    m.expect_object();
    JsonReader sub(m);
    list(sub);
  }

 private:
  const JsonField& f_;
};

template <class T>
void read_value(const JsonField& f, std::vector<T>& x, const Rule& r) {
  const size_t n = f.expect_array(r.max_items);
  x.clear();
  x.resize(n);
  for (size_t i = 0; i < n; ++i) read_value(f.item(i), x[i], r);
}

/// An object read through x's `fields` list, then its `check`: what read_value does for a struct, and what a
/// struct's own read_value overload (declared beside the struct, defined beside its list) calls.
template <class T>
void read_fields(const JsonField& f, T& x) {
  f.expect_object();
  JsonReader reader(f);
  fields(reader, x);
  check(f, x);
}

template <class T, std::enable_if_t<std::is_class_v<T> && !std::is_same_v<T, Json>, int>>
void read_value(const JsonField& f, T& x, const Rule&) {
  read_fields(f, x);
}

/// A member kept as JSON as it is. Only Json itself: a type that merely converts to Json (a scoped enum) must
/// have its own write_value, not be written as its number.
template <class T, std::enable_if_t<std::is_same_v<T, Json>, int> = 0>
Json write_value(const T& x) {
  return x;
}
inline Json write_value(const std::string& x) { return x; }
inline Json write_value(const char* x) { return std::string(x); }  ///< a literal, not a bool
inline Json write_value(bool x) { return x; }
inline Json write_value(double x) { return x; }
template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
Json write_value(T x) {
  return x;
}
inline Json write_value(const std::vector<bool>& x) {
  Json a = Json::array();
  for (bool b : x) a.push_back(b);
  return a;
}
template <class T>
Json write_value(const std::vector<T>& x);
template <class T, std::enable_if_t<std::is_class_v<T> && !std::is_same_v<T, Json>, int> = 0>
Json write_value(const T& x);

/// Writes the members a `fields` list names, in its order.
class JsonWriter {
 public:
  Json out = Json::object();
  template <class T>
  void operator()(std::string_view key, const T& x, const Rule& = {}) {
    if constexpr (is_optional<T>::value) {
      if (x) out[std::string(key)] = write_value(*x);
    } else {
      out[std::string(key)] = write_value(x);
    }
  }
  template <class T>
  void omit_if(std::string_view key, const T& x, const T& value, const Rule& = {}) {
    if (!(x == value)) out[std::string(key)] = write_value(x);
  }
  template <class T>
  void nullable(std::string_view key, const std::optional<T>& x, const Rule& = {}) {
    out[std::string(key)] = x ? write_value(*x) : Json(nullptr);
  }
  template <class T>
  void defaulted(std::string_view key, const T& x, const T&, const Rule& = {}) {
    out[std::string(key)] = write_value(x);
  }
  template <class T>
  void omit_empty(std::string_view key, const T& x, const Rule& = {}) {
    if (!x.empty()) out[std::string(key)] = write_value(x);
  }
  template <class T>
  void derived(std::string_view key, const T& value) {
    (*this)(key, value);
  }
  template <class F>
  void object(std::string_view key, F&& list) {
    JsonWriter sub;
    list(sub);
    out[std::string(key)] = std::move(sub.out);
  }
};

template <class T>
Json write_value(const std::vector<T>& x) {
  Json a = Json::array();
  for (const T& e : x) a.push_back(write_value(e));
  return a;
}

/// An object written through x's `fields` list, in its order (the counterpart of read_fields).
template <class T>
Json write_fields(const T& x) {
  JsonWriter writer;
  fields(writer, const_cast<T&>(x));  // `fields` takes T& to serve the reader too; the writer only reads
  return std::move(writer.out);
}

template <class T, std::enable_if_t<std::is_class_v<T> && !std::is_same_v<T, Json>, int>>
Json write_value(const T& x) {
  return write_fields(x);
}

}  // namespace ts
