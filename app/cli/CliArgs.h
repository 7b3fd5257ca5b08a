#pragma once
// Command-line parsing for tangentscope-cli: "--key value" options and bare flags, with unknown options
// rejected by name.
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ts::cli {

class Args {
 public:
  /// argv after the command words. `flags` take no value; every other "--x" takes one.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& flags, const std::set<std::string>& options);

  bool flag(const std::string& name) const { return flags_.count(name) != 0; }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const;
  long long get_int(const std::string& name, long long fallback) const;
  double get_double(const std::string& name, double fallback) const;
  /// A seed: an integer from 0 to 2^64 − 1, exactly.
  unsigned long long get_seed(const std::string& name, unsigned long long fallback) const;

 private:
  std::set<std::string> flags_;
  std::map<std::string, std::string> values_;
};

/// "4G", "512M", "1048576" → bytes.
long long parse_bytes(const std::string& text, const std::string& what);

}  // namespace ts::cli
