#include "core/Defaults.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "core/Json.h"

namespace ts {

namespace detail {
extern const char* const
    kDefaultsJson;  // generated from resources/presets/defaults.json (engine/CMakeLists.txt)
}

const std::string& defaults_text() {
  static const std::string text = detail::kDefaultsJson;
  return text;
}

namespace {

const Json& lookup(const std::string& path) {
  static const Json root = parse_json(defaults_text(), "resources/presets/defaults.json");
  const Json* node = &root;
  std::stringstream keys(path);
  for (std::string key; std::getline(keys, key, '.');) {
    if (!node->is_object() || !node->contains(key))
      throw std::logic_error("resources/presets/defaults.json has no key '" + path + "'");
    node = &node->at(key);
  }
  return *node;
}

}  // namespace

std::string default_string(const std::string& path) {
  const Json& v = lookup(path);
  if (!v.is_string())
    throw std::logic_error("resources/presets/defaults.json: '" + path + "' is not a string");
  return v.get<std::string>();
}

double default_number(const std::string& path) {
  const Json& v = lookup(path);
  if (!v.is_number())
    throw std::logic_error("resources/presets/defaults.json: '" + path + "' is not a number");
  return v.get<double>();
}

int64_t default_integer(const std::string& path) {
  const double v = default_number(path);
  if (v != std::floor(v))
    throw std::logic_error("resources/presets/defaults.json: '" + path + "' is not an integer");
  return static_cast<int64_t>(v);
}

}  // namespace ts
