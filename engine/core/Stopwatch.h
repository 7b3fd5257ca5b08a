#pragma once
// Wall time since construction (steady clock), for the seconds every result reports.
#include <chrono>

namespace ts::detail {

class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace ts::detail
