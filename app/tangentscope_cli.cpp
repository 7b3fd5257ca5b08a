// tangentscope-cli: the command-line entry point (docs/FORMATS.md documents commands, output and exit codes).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/Cli.h"
#include "core/Runtime.h"
#include "dist/Communicator.h"

int main(int argc, char** argv) {
  ts::tune_allocator();
  std::vector<std::string> args(argv + 1, argv + argc);
  ts::cli::install_signal_handlers();
  int code = ts::cli::run(args, std::cout, std::cerr);
  // Output that did not reach its destination (a full disk, /dev/full, a closed pipe) is a failure, not exit
  // 0.
  std::cout.flush();
  errno = 0;
  bool failed = std::fflush(stdout) != 0;
  int why = errno;
  failed = failed || !std::cout.good() || std::ferror(stdout) != 0;
  errno = 0;
  if (std::fclose(stdout) != 0) {
    failed = true;
    if (why == 0) why = errno;
  }
  if (failed) {
    std::fprintf(stderr, "tangentscope-cli: error: cannot write the output to standard output%s\n",
                 why != 0 ? (std::string(": ") + std::strerror(why)).c_str() : " (disk full, or closed?)");
    if (code == 0) code = 1;
  }
  // A join given up (a signal, the time-out) may leave LibTorch's connect or read blocked on its own thread:
  // end without the static destructors it could still reach.
  if (ts::dist::join_abandoned()) std::_Exit(code);
  return code;
}
