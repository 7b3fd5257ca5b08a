#pragma once
// The options one command was given, after the command line was parsed (CommandLine.h). Typed readers give
// messages that name the option.
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ts::cli {

class Args {
 public:
  /// `declared`: every option and flag the command takes. Reading any other name is a programming error
  /// (std::logic_error), so a command cannot silently read an option its parser would refuse.
  Args(std::string command, std::map<std::string, std::string> values, std::set<std::string> flags,
       std::set<std::string> declared);

  const std::string& command() const { return command_; }
  /// Whether the command takes --name at all (shared readers skip what a command does not take).
  bool takes(const std::string& name) const { return declared_.count(name) != 0; }
  bool flag(const std::string& name) const;
  bool has(const std::string& name) const;
  std::string get(const std::string& name, const std::string& fallback = "") const;
  long long get_int(const std::string& name, long long fallback) const;
  /// The same, refusing a given value outside [lo, hi] with a message that names the option and the range.
  long long get_int(const std::string& name, long long fallback, long long lo, long long hi) const;
  double get_double(const std::string& name, double fallback) const;
  /// A seed: an integer from 0 to 2^64 − 1, exactly.
  unsigned long long get_seed(const std::string& name, unsigned long long fallback) const;
  /// The words after the command that are not options (watch's run folders), in order.
  const std::vector<std::string>& positionals() const { return positionals_; }
  void set_positionals(std::vector<std::string> words) { positionals_ = std::move(words); }

 private:
  void check_declared(const std::string& name) const;
  std::string command_;
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
  std::set<std::string> declared_;
  std::vector<std::string> positionals_;
};

/// "4G", "512M", "1048576" → bytes.
long long parse_bytes(const std::string& text, const std::string& what);

}  // namespace ts::cli
