#pragma once
// The command line of tangentscope-cli, on CLI11: one subcommand per command (bench has one per benchmark),
// each with its own options and generated help. Parsing refuses an option the command does not take, naming
// it.
#include <optional>
#include <string>
#include <vector>

#include "CliArgs.h"

namespace ts::cli {

struct ParsedCommand {
  std::string command;    ///< "trace", …, or "bench"
  std::string benchmark;  ///< for bench: "hazelden-mlp", …
  std::optional<Args> args;
  /// Set instead of args when the user asked for help (or gave no command): the text to print.
  std::optional<std::string> help;
  int help_exit_code = 0;  ///< 2 when no command was given (a usage error)
};

/// Parses the arguments after the program name. Throws InputError with a message that names the command, the
/// option or value at fault and where to find help.
ParsedCommand parse_command_line(const std::vector<std::string>& args);

/// The names of the commands and of the benchmarks (for messages and tests).
std::vector<std::string> command_names();
std::vector<std::string> benchmark_names();

}  // namespace ts::cli
