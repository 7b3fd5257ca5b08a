#pragma once
// Peak resident memory of a block of work on the CPU, measured rather than computed: Linux keeps the
// process's high-water mark (VmHWM in /proc/self/status) and resets it when "5" is written to
// /proc/self/clear_refs.
#include <cstdint>

namespace ts {

class PeakMemory {
 public:
  /// Returns freed heap pages to the system (malloc_trim), resets the high-water mark and records the RSS.
  PeakMemory();
  /// VmHWM − RSS at construction: the extra resident bytes the work needed at its peak; −1 when the kernel
  /// does not offer the counters (not Linux, or /proc not writable).
  int64_t bytes() const;
  bool available() const { return ok_; }

 private:
  bool ok_ = false;
  int64_t start_rss_ = 0;
};

}  // namespace ts
