#pragma once
// The built-in defaults: resources/presets/defaults.json, compiled into the engine, so that the command-line
// tool and the desktop app start from the same configuration. The configuration structs take their default
// values from here; a path names a key, e.g. "problem.model" or "active_learning.training.lr".
#include <cstdint>
#include <string>

namespace ts {

/// The string at `path`; a missing key or another type is a programming error (std::logic_error).
std::string default_string(const std::string& path);
double default_number(const std::string& path);
int64_t default_integer(const std::string& path);

/// The whole file, as compiled in (for `tangentscope-cli help defaults` and the docs).
const std::string& defaults_text();

}  // namespace ts
