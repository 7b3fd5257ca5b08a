#pragma once
// A small JSON value for results and configurations: enough to write what the tool reports and to read
// it back in tests. No external dependency.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ts {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::Bool), bool_(b) {}
  Json(int v) : type_(Type::Number), num_(v) {}
  // 64-bit integers (seeds, byte counts) keep their exact digits: written and read back without rounding.
  Json(int64_t v) : type_(Type::Number), num_(static_cast<double>(v)), int_text_(std::to_string(v)) {}
  Json(uint64_t v) : type_(Type::Number), num_(static_cast<double>(v)), int_text_(std::to_string(v)) {}
  Json(double v) : type_(Type::Number), num_(v) {}
  Json(const char* s) : type_(Type::String), str_(s) {}
  Json(std::string s) : type_(Type::String), str_(std::move(s)) {}
  template <class T>
  Json(const std::optional<T>& v) : Json(v ? Json(*v) : Json()) {}
  template <class T>
  Json(const std::vector<T>& v) : type_(Type::Array) {
    for (const auto& x : v) arr_.emplace_back(x);
  }

  static Json object() {
    Json j;
    j.type_ = Type::Object;
    return j;
  }
  static Json array() {
    Json j;
    j.type_ = Type::Array;
    return j;
  }

  Json& operator[](const std::string& key);  ///< object member, created on write
  const Json& at(const std::string& key) const;
  bool contains(const std::string& key) const;
  void push_back(Json v);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::Null; }
  double number() const;
  /// The exact value of an integer from 0 to 2^64 − 1 (a seed); throws InputError for anything else.
  uint64_t unsigned_integer() const;
  const std::string& string() const;
  bool boolean() const;
  const std::vector<Json>& items() const { return arr_; }
  const std::vector<std::pair<std::string, Json>>& members() const { return obj_; }

  /// Compact one-line text (indent < 0) or indented text. Non-finite numbers are written as null.
  std::string dump(int indent = -1) const;
  /// Parses JSON text; throws InputError naming `what` on malformed text.
  static Json parse(const std::string& text, const std::string& what = "JSON");

 private:
  void dump_to(std::string& out, int indent, int depth) const;
  Type type_ = Type::Null;
  bool bool_ = false;
  double num_ = 0;
  std::string int_text_;  ///< the exact digits of an integer number, where it is one
  std::string str_;
  std::vector<Json> arr_;
  std::vector<std::pair<std::string, Json>> obj_;  // insertion order, as written
};

}  // namespace ts
