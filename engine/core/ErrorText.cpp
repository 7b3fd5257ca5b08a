#include "core/ErrorText.h"

#include <cstdlib>
#include <fstream>
#include <new>

#include "core/Numbers.h"

namespace ts {

namespace {

int64_t meminfo(const char* key) {
  std::ifstream in("/proc/meminfo");
  std::string name;
  long long kib = 0;
  std::string unit;
  while (in >> name >> kib >> unit)
    if (name == key) return static_cast<int64_t>(kib) * 1024;
  return -1;
}

std::string memory_advice(double needed) {
  std::string s = "not enough memory";
  if (needed > 0) s += ": this step needs " + format_bytes(needed);
  const int64_t free = available_memory_bytes(), total = physical_memory_bytes();
  if (free >= 0) s += (needed > 0 ? ", " : ": ") + format_bytes(double(free)) + " are free";
  if (total > 0) s += " (of " + format_bytes(double(total)) + ")";
  return s +
         ". Use fewer inputs (N), a smaller model or --product-batch, or a lower --memory-budget so the work "
         "is split into parts that fit";
}

}  // namespace

int64_t available_memory_bytes() { return meminfo("MemAvailable:"); }
int64_t physical_memory_bytes() { return meminfo("MemTotal:"); }

std::string error_text(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e)) return memory_advice(-1);
  std::string msg = e.what();
  // LibTorch's CPU allocator: "[enforce fail at alloc_cpu.cpp:75] data. DefaultCPUAllocator: not enough
  // memory: you tried to allocate 8000000000 bytes." or "… can't allocate memory: you tried to allocate …"
  // (CUDA: "CUDA out of memory. Tried to allocate 2.00 GiB").
  const std::string cpu = "you tried to allocate ";
  const auto at = msg.find(cpu);
  if (at != std::string::npos && (msg.find("not enough memory") != std::string::npos ||
                                  msg.find("can't allocate memory") != std::string::npos))
    return memory_advice(std::strtod(msg.c_str() + at + cpu.size(), nullptr));
  if (msg.find("CUDA out of memory") != std::string::npos) {
    const auto nl = msg.find('.');
    return "not enough GPU memory (" + msg.substr(0, nl == std::string::npos ? 120 : nl) +
           "): use fewer inputs (N), a smaller --product-batch, or run on the CPU";
  }
  const auto nl = msg.find('\n');
  if (nl != std::string::npos) msg = msg.substr(0, nl);
  return msg;
}

std::string first_line(const std::string& s) {
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

}  // namespace ts
