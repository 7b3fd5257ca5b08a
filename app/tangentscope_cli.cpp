// tangentscope-cli: the command-line entry point (docs/FORMATS.md documents commands and output).
#include <iostream>
#include <string>
#include <vector>

#include "TorchUtil.h"
#include "cli/Cli.h"

int main(int argc, char** argv) {
  ts::tune_allocator();
  std::vector<std::string> args(argv + 1, argv + argc);
  return ts::cli::run(args, std::cout, std::cerr);
}
