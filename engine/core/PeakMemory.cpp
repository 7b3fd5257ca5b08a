#include "core/PeakMemory.h"

#include <fstream>
#include <sstream>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ts {

namespace {

// A "Key:   123 kB" line of /proc/self/status, in bytes; −1 if absent.
int64_t status_bytes(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    int64_t kb = -1;
    fields >> kb;
    return kb < 0 ? -1 : kb * 1024;
  }
  return -1;
}

}  // namespace

PeakMemory::PeakMemory() {
#if defined(__GLIBC__)
  // Without this, pages freed by earlier work stay resident and the next peak would be under-counted.
  malloc_trim(0);
#endif
  std::ofstream reset("/proc/self/clear_refs");
  reset << "5";
  reset.flush();
  if (!reset) return;
  reset.close();
  start_rss_ = status_bytes("VmRSS");
  ok_ = start_rss_ >= 0 && status_bytes("VmHWM") >= 0;
}

int64_t PeakMemory::bytes() const {
  if (!ok_) return -1;
  const int64_t hwm = status_bytes("VmHWM");
  return hwm < start_rss_ ? 0 : hwm - start_rss_;
}

}  // namespace ts
