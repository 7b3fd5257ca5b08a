#include "core/JsonFields.h"

#include <cmath>

#include "core/Errors.h"
#include "core/Numbers.h"

namespace ts {

std::string JsonField::path() const {
  if (!parent_) return {};
  std::string p = parent_->path();
  if (index_ != std::string::npos) return p + "[" + std::to_string(index_) + "]";
  return p.empty() ? std::string(key_) : p + "." + std::string(key_);
}

void JsonField::fail(const std::string& problem) const {
  const JsonField* root = this;
  while (root->parent_) root = root->parent_;
  const std::string p = path();
  throw InputError(root->what_ + (p.empty() ? " " : ": " + p + " ") + problem);
}

std::string JsonField::brief(const Json& v) {
  if (v.is_number() || v.is_boolean() || v.is_null()) return v.dump();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return s.size() <= 40 ? json_text(v) : json_text(Json(s.substr(0, 37))).insert(38, "...");
  }
  if (v.is_array()) return "an array of " + std::to_string(v.size());
  return v.is_object() ? "an object" : "a binary value";
}

void JsonField::expect_object() const {
  if (!j_->is_object()) fail("must be an object {…}, got " + brief(*j_));
}

size_t JsonField::expect_array(size_t max_items) const {
  if (!j_->is_array()) fail("must be an array […], got " + brief(*j_));
  if (j_->size() > max_items)
    fail("has " + std::to_string(j_->size()) + " items, more than the " + std::to_string(max_items) +
         " this version reads");
  return j_->size();
}

const Json* JsonField::find(std::string_view key) const {
  expect_object();
  const auto it = j_->find(std::string(key));
  return it == j_->end() ? nullptr : &*it;
}

JsonField JsonField::member(std::string_view key) const {
  const Json* v = find(key);
  if (!v) {
    static const Json absent;
    JsonField(absent, *this, key).fail("is missing");
  }
  return JsonField(*v, *this, key);
}

std::string JsonField::string() const {
  if (!j_->is_string()) fail("must be a string, got " + brief(*j_));
  return j_->get<std::string>();
}

bool JsonField::boolean() const {
  if (!j_->is_boolean()) fail("must be true or false, got " + brief(*j_));
  return j_->get<bool>();
}

double JsonField::number(const Rule& r) const {
  if (j_->is_null() && r.null_is_nan) return std::nan("");
  if (!j_->is_number())
    fail(std::string("must be a number") + (r.null_is_nan ? " or null" : "") + ", got " + brief(*j_));
  const double x = j_->get<double>();
  if (x < r.lo || x > r.hi) {
    const std::string range = std::isinf(r.hi) ? "≥ " + format_number(r.lo, 6)
                              : std::isinf(r.lo)
                                  ? "≤ " + format_number(r.hi, 6)
                                  : "from " + format_number(r.lo, 6) + " to " + format_number(r.hi, 6);
    fail("must be a number " + range + ", got " + brief(*j_));
  }
  return x;
}

void JsonField::fail_integer(int64_t lo, uint64_t hi) const {
  fail("must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " + brief(*j_));
}

namespace {

// nlohmann's own DOM builder, with the depth counted on the way in: a document nested too deep is refused
// before its next level is allocated.
class BoundedDom {
 public:
  BoundedDom(Json& root, int max_depth, const std::string& what)
      : dom_(root, true), max_(max_depth), what_(what) {}
  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(Json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Json::string_t& s) { return dom_.number_float(v, s); }
  bool string(Json::string_t& v) { return dom_.string(v); }
  bool binary(Json::binary_t& v) { return dom_.binary(v); }
  bool key(Json::string_t& k) { return dom_.key(k); }
  bool start_object(std::size_t n) { return deeper() && dom_.start_object(n); }
  bool end_object() { return --depth_, dom_.end_object(); }
  bool start_array(std::size_t n) { return deeper() && dom_.start_array(n); }
  bool end_array() { return --depth_, dom_.end_array(); }
  bool parse_error(std::size_t pos, const std::string& token, const nlohmann::detail::exception& e) {
    return dom_.parse_error(pos, token, e);
  }

 private:
  bool deeper() {
    if (++depth_ > max_)
      throw InputError(what_ + " nests arrays and objects more than " + std::to_string(max_) +
                       " levels deep; this version reads no deeper");
    return true;
  }
  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  int depth_ = 0;
  const int max_;
  const std::string& what_;
};

}  // namespace

Json parse_json_bounded(const std::string& text, const std::string& what, int max_depth) {
  Json root;
  BoundedDom dom(root, max_depth, what);
  try {
    Json::sax_parse(text, &dom);
  } catch (const Json::exception& e) {
    // As parse_json: nlohmann's message without its own tag.
    std::string msg = e.what();
    if (const auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
    throw InputError(what + " is not valid JSON: " + msg);
  }
  return root;
}

}  // namespace ts
