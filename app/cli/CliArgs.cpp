#include "CliArgs.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <utility>

#include "core/Errors.h"
#include "core/Numbers.h"

namespace ts::cli {

Args::Args(std::string command, std::map<std::string, std::string> values, std::set<std::string> flags,
           std::set<std::string> declared)
    : command_(std::move(command)),
      values_(std::move(values)),
      flags_(std::move(flags)),
      declared_(std::move(declared)) {}

void Args::check_declared(const std::string& name) const {
  if (!declared_.count(name))
    throw std::logic_error("internal error: the command '" + command_ + "' reads --" + name +
                           ", which its option list (app/cli/CommandLine.cpp) does not declare");
}

bool Args::flag(const std::string& name) const {
  check_declared(name);
  return flags_.count(name) != 0;
}

bool Args::has(const std::string& name) const {
  check_declared(name);
  return values_.count(name) != 0;
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  check_declared(name);
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

long long Args::get_int(const std::string& name, long long fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') throw InputError("option --" + name + " needs an integer, got '" + v + "'");
  if (errno == ERANGE)
    throw InputError("option --" + name + ": " + v + " is out of range (at most 9223372036854775807)");
  return x;
}

long long Args::get_int(const std::string& name, long long fallback, long long lo, long long hi) const {
  if (!has(name)) return fallback;
  const long long x = get_int(name, fallback);
  if (x < lo || x > hi)
    throw InputError("--" + name + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                     ", got " + std::to_string(x));
  return x;
}

double Args::get_double(const std::string& name, double fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') throw InputError("option --" + name + " needs a number, got '" + v + "'");
  return x;
}

unsigned long long Args::get_seed(const std::string& name, unsigned long long fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  uint64_t x = 0;
  if (!parse_seed(v, &x))
    throw InputError("option --" + name + " must be an integer from 0 to 18446744073709551615, got '" + v +
                     "'");
  return x;
}

long long parse_bytes(const std::string& text, const std::string& what) {
  return parse_memory_size(text, what);  // in the C locale whatever the user's (core/Numbers.h)
}

}  // namespace ts::cli
