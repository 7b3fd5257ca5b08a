#pragma once
// "kind:key=value,key=value" specifications, as the command-line tool and the UI write them.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ts {

/// A parsed spec. Getters throw InputError naming the spec and key when a value does not parse; finish()
/// throws when a key was given that no getter asked for (a typo must not be ignored silently).
class Spec {
 public:
  static Spec parse(const std::string& text);

  const std::string& kind() const { return kind_; }
  const std::string& text() const { return text_; }
  bool has(const std::string& key) const { return values_.count(key) != 0; }

  std::string get(const std::string& key, const std::string& fallback) const;
  std::string require(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  /// An integer in [lo, hi]; the message names the key and the range.
  int64_t get_int(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) const;
  /// A seed: any integer from 0 to 2^64 − 1, exactly.
  uint64_t get_seed(const std::string& key, uint64_t fallback) const;
  double get_double(const std::string& key, double fallback) const;
  /// A finite number in [lo, hi].
  double get_double(const std::string& key, double fallback, double lo, double hi) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::vector<int64_t> get_shape(const std::string& key, const std::vector<int64_t>& fallback) const;
  /// Throws InputError if a key was never read.
  void finish() const;

 private:
  /// The value of `key` (marked as read), or null when absent.
  const std::string* value(const std::string& key) const;

  std::string text_;
  std::string kind_;
  std::map<std::string, std::string> values_;
  mutable std::set<std::string> used_;
};

/// "15,10" or "15x10" → {15, 10}; throws InputError naming `what` on anything else.
std::vector<int64_t> parse_shape(const std::string& text, const std::string& what);
std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace ts
