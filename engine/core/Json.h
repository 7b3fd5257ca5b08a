#pragma once
// JSON at the edges only (command-line output, result files, the built-in presets), with nlohmann-json:
// inside the program results are structs (jobs/). Objects keep their members in the order written.
// This header is heavy; include it only where JSON is written or read, never from a header the UI includes.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ts {

using Json = nlohmann::ordered_json;

/// Parses JSON text; throws InputError naming `what` and the position on malformed text.
Json parse_json(const std::string& text, const std::string& what = "JSON");
/// JSON lines (one document per line, as scalars.jsonl and metrics.jsonl hold them): each non-empty line
/// parsed, with its line number from 1; a malformed line throws InputError naming "`what` line N".
std::vector<std::pair<int, Json>> parse_json_lines(const std::string& text, const std::string& what);

/// Compact one-line text (indent < 0) or indented text. Non-finite numbers are written as null; bytes that
/// are not UTF-8 (a path in another encoding) are replaced by U+FFFD instead of failing the whole output.
std::string json_text(const Json& j, int indent = -1);

/// The exact value of an integer from 0 to 2^64 − 1 (a seed); throws InputError naming `what` otherwise.
uint64_t json_unsigned(const Json& j, const std::string& what);

/// The number at `key` of the object `j`, NaN where it is null (json_text writes non-finite numbers as null).
/// Throws nlohmann's exception when the key is missing or not a number.
double json_number(const Json& j, const char* key);

/// null where there is no value.
template <class T>
Json json_or_null(const std::optional<T>& v) {
  return v ? Json(*v) : Json();
}

/// [to_json(x) for each x]: the to_json of T is found beside T (argument-dependent lookup).
template <class T>
Json json_array(const std::vector<T>& items) {
  Json a = Json::array();
  for (const auto& x : items) a.push_back(to_json(x));
  return a;
}

}  // namespace ts
