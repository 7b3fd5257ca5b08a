#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace ts::cli {

/// Runs tangentscope-cli with the arguments after the program name. Returns the exit status; errors are one
/// line on `err`.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// SIGINT and SIGTERM cancel the run in flight through the engine's cancel token (checked between products
/// and mini-batches): partial and staged files are removed, earlier results stay, and run() returns 130 or
/// 143. A second signal ends the process at once. Call once from main().
void install_signal_handlers();

}  // namespace ts::cli
