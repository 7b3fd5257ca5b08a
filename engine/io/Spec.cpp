#include "io/Spec.h"
#include "core/Numbers.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "core/Errors.h"

namespace ts {

namespace {
std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}
}  // namespace

Spec Spec::parse(const std::string& text) {
  Spec spec;
  spec.text_ = text;
  const auto colon = text.find(':');
  spec.kind_ = trim(text.substr(0, colon));
  if (spec.kind_.empty()) throw InputError("spec '" + text + "': missing kind before ':'");
  if (colon == std::string::npos) return spec;
  std::stringstream rest(text.substr(colon + 1));
  std::string item, last_key;
  while (std::getline(rest, item, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos && !last_key.empty() &&
        item.find_first_not_of("0123456789") == std::string::npos) {
      // "shape=15,10": a bare number continues the previous value.
      spec.values_[last_key] += "," + item;
      continue;
    }
    if (eq == std::string::npos) {
      // A bare item is the positional value (a path); only one is allowed.
      if (spec.values_.count("path"))
        throw InputError("spec '" + text + "': '" + item + "' is not key=value");
      spec.values_["path"] = item;
      continue;
    }
    last_key = trim(item.substr(0, eq));
    if (spec.values_.count(last_key))
      throw InputError("spec '" + text + "': key '" + last_key + "' is given twice");
    spec.values_[last_key] = trim(item.substr(eq + 1));
  }
  return spec;
}

const std::string* Spec::value(const std::string& key) const {
  used_.insert(key);
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

std::string Spec::get(const std::string& key, const std::string& fallback) const {
  used_.insert(key);
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

std::string Spec::require(const std::string& key) const {
  used_.insert(key);
  auto it = values_.find(key);
  if (it == values_.end()) throw InputError("spec '" + text_ + "': missing required key '" + key + "'");
  return it->second;
}

int64_t Spec::get_int(const std::string& key, int64_t fallback) const {
  const std::string* found = value(key);
  if (!found) return fallback;
  const std::string& v = *found;
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0')
    throw InputError("spec '" + text_ + "': key '" + key + "' needs an integer, got '" + v + "'");
  if (errno == ERANGE)
    throw InputError("spec '" + text_ + "': key '" + key + "' = " + v + " is out of range");
  return x;
}

int64_t Spec::get_int(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) const {
  const int64_t x = get_int(key, fallback);
  if (x < lo || x > hi)
    throw InputError("spec '" + text_ + "': key '" + key + "' must be between " + std::to_string(lo) +
                     " and " + std::to_string(hi) + ", got " + std::to_string(x));
  return x;
}

uint64_t Spec::get_seed(const std::string& key, uint64_t fallback) const {
  const std::string* found = value(key);
  if (!found) return fallback;
  const std::string& v = *found;
  uint64_t x = 0;
  if (!parse_seed(v, &x))
    throw InputError("spec '" + text_ + "': key '" + key +
                     "' must be an integer from 0 to 18446744073709551615, got '" + v + "'");
  return x;
}

double Spec::get_double(const std::string& key, double fallback, double lo, double hi) const {
  const double x = get_double(key, fallback);
  if (!(x >= lo && x <= hi))
    throw InputError("spec '" + text_ + "': key '" + key + "' must be between " + format_number(lo) +
                     " and " + format_number(hi) + ", got " + format_number(x));
  return x;
}

double Spec::get_double(const std::string& key, double fallback) const {
  const std::string* found = value(key);
  if (!found) return fallback;
  const std::string& v = *found;
  double x = 0;
  if (!parse_number(v, &x))
    throw InputError("spec '" + text_ + "': key '" + key + "' needs a number, got '" + v + "'");
  return x;
}

bool Spec::get_bool(const std::string& key, bool fallback) const {
  const std::string* found = value(key);
  if (!found) return fallback;
  const std::string& v = *found;
  if (v == "1" || v == "true" || v == "on" || v == "yes") return true;
  if (v == "0" || v == "false" || v == "off" || v == "no") return false;
  throw InputError("spec '" + text_ + "': key '" + key + "' needs true/false, got '" + v + "'");
}

std::vector<int64_t> Spec::get_shape(const std::string& key, const std::vector<int64_t>& fallback) const {
  const std::string* found = value(key);
  if (!found) return fallback;
  return parse_shape(*found, "spec '" + text_ + "' key '" + key + "'");
}

void Spec::finish() const {
  for (const auto& kv : values_)
    if (!used_.count(kv.first)) {
      if (kv.first == "path")  // a bare item where this kind takes none
        throw InputError("spec '" + text_ + "': '" + kv.second + "' is not key=value (kind '" + kind_ +
                         "' takes no file path)");
      throw InputError("spec '" + text_ + "': unknown key '" + kv.first + "' for kind '" + kind_ + "'");
    }
}

std::vector<int64_t> parse_shape(const std::string& text, const std::string& what) {
  std::vector<int64_t> shape;
  std::string item;
  std::string norm = text;
  for (char& c : norm)
    if (c == 'x' || c == 'X' || c == ';') c = ',';
  std::stringstream ss(norm);
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v <= 0)
      throw InputError(what + ": shape '" + text + "' must be positive integers separated by commas");
    shape.push_back(v);
  }
  if (shape.empty()) throw InputError(what + ": empty shape");
  return shape;
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s;
}

}  // namespace ts
