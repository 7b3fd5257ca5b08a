#pragma once
// Shared by the libFuzzer targets (scripts/fuzz): the input as a file on disk, for the readers that take a
// path. A reader may refuse an input only with ts::Error (InputError, MemoryBudgetError, NumericalError); any
// other exception, a crash, a hang or a sanitizer report is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

namespace ts::fuzz {

inline std::string as_file(const uint8_t* data, size_t size, const std::string& suffix) {
  const std::string path = "/dev/shm/tangentscope-fuzz-" + std::to_string(::getpid()) + suffix;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace ts::fuzz
