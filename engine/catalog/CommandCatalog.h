#pragma once
// The commands and benchmarks of tangentscope-cli: each one's summary, the options it takes (OptionCatalog.h)
// and where its defaults or choices differ from the option's own. The command line's parser, its --help and
// the docs' command tables (docs/CLI.md) are produced from it.
#include <string>
#include <vector>

#include "catalog/OptionCatalog.h"

namespace ts {

/// A command's own default or choices for an option it shares with others (e.g. layers --block).
struct OptionOverride {
  std::string option;
  std::string default_text;                         ///< empty: the option's
  std::vector<std::string> (*choices)() = nullptr;  ///< null: the option's
  bool ranged = false;                              ///< this command's own integer range [lo, hi]
  long long lo = 0, hi = 0;
  std::string help;              ///< this command's own help line (empty: the option's)
  bool input_dependent = false;  ///< no fixed default: it follows the input (watch --dtype: each run's own)
};

struct CommandInfo {
  std::string name;                    ///< "trace", or a benchmark's name ("hazelden-mlp")
  std::string summary;                 ///< one line, for help
  std::vector<std::string> options;    ///< every option and flag it takes, in help order (no repeats)
  std::vector<std::string> aliases{};  ///< earlier spellings, still accepted
  std::vector<OptionOverride>
      overrides{};           ///< where this command's default or choices differ (the last wins)
  std::string positional{};  ///< words after the command ("RUN_DIR"; empty: none), one or more
  std::string positional_help{};
  /// A benchmark (bench NAME, bench/BenchmarkCatalog.h): it sets up its own workload, so an option shows a
  /// default only where the benchmark states its own (overrides), never the option's.
  bool benchmark = false;
};

/// Overrides, for the catalogs of commands and benchmarks: this command's default (text as typed), its
/// choices, its integer range, its help line; input_dependent marks a default that follows the input.
OptionOverride by_default(std::string option, std::string text);
OptionOverride by_choices(std::string option, std::vector<std::string> (*choices)(), std::string text);
OptionOverride by_range(std::string option, long long lo, long long hi, std::string text = {});
OptionOverride by_help(std::string option, std::string help, std::string text = {});
OptionOverride input_dependent(OptionOverride o);

/// The option groups several commands share: computation (device, dtype, …), training, active learning.
const std::vector<std::string>& compute_option_names();
const std::vector<std::string>& training_option_names();
const std::vector<std::string>& al_option_names();

/// The commands (trace, compare, …), in the order help lists them. The benchmarks' catalog
/// (bench/BenchmarkCatalog.h) lives with the benchmarks, whose option structs hold its defaults.
const std::vector<CommandInfo>& command_catalog();

/// The command named `name`; a missing name is a programming error (std::logic_error).
const CommandInfo& find_command(const std::string& name);
/// Whether `command` takes --option.
bool command_takes(const CommandInfo& command, const std::string& option);
/// The default of --option in `command` (its override, else the option's); empty when there is none.
std::string option_default(const CommandInfo& command, const OptionInfo& option);
/// The choices of --option in `command` (its override, else the option's); empty when it takes free text.
std::vector<std::string> option_choices(const CommandInfo& command, const OptionInfo& option);
/// Whether --option in `command` is an integer with a range, and which (its override's, else the option's).
bool option_range(const CommandInfo& command, const OptionInfo& option, long long* lo, long long* hi);
/// The help line of --option in `command`: its help, then its choices or range and its default.
std::string option_help(const CommandInfo& command, const OptionInfo& option);

/// docs/CLI.md's generated part: every command's and every one of `benchmarks`' options as Markdown tables
/// (name, value, default, choices or range, help).
std::string options_markdown(const std::vector<CommandInfo>& benchmarks);

}  // namespace ts
