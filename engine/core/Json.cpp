#include "core/Json.h"

#include <limits>

#include "core/Errors.h"

namespace ts {

std::vector<std::pair<int, Json>> parse_json_lines(const std::string& text, const std::string& what) {
  std::vector<std::pair<int, Json>> out;
  size_t start = 0;
  for (int line_no = 1; start < text.size(); ++line_no) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start)
      out.emplace_back(
          line_no, parse_json(text.substr(start, end - start), what + " line " + std::to_string(line_no)));
    start = end + 1;
  }
  return out;
}

Json parse_json(const std::string& text, const std::string& what) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    // A syntax error, and also a number out of double's range ("1e309": out_of_range, found by fuzz_json).
    // nlohmann's message starts with its own tag; keep the part a user can act on.
    std::string msg = e.what();
    if (const auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
    throw InputError(what + " is not valid JSON: " + msg);
  }
}

std::string json_text(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

double json_number(const Json& j, const char* key) {
  const Json& v = j.at(key);
  return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
}

uint64_t json_unsigned(const Json& j, const std::string& what) {
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  if (j.is_number_integer() && j.get<int64_t>() >= 0) return static_cast<uint64_t>(j.get<int64_t>());
  throw InputError(what + " must be an integer from 0 to 2^64 - 1, got " + json_text(j));
}

}  // namespace ts
