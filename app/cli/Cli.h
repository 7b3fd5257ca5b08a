#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace ts::cli {

/// Runs tangentscope-cli with the arguments after the program name. Returns the exit status; errors are one
/// line on `err`.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace ts::cli
