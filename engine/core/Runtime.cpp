#include "core/Runtime.h"

#include <ATen/Parallel.h>

#include <malloc.h>
#include <fstream>

namespace ts {

std::string blas_description() {
  // Debian's LibTorch links libblas.so.3, an alternative that may be the slow reference BLAS.
  std::ifstream maps("/proc/self/maps");
  std::string line;
  std::string found = "unknown";
  while (std::getline(maps, line)) {
    if (line.find("openblas") != std::string::npos) {
      found = line.find("openmp") != std::string::npos ? "OpenBLAS (OpenMP)" : "OpenBLAS";
      break;
    }
    if (line.find("libmkl") != std::string::npos) found = "MKL";
    if (line.find("/libblas.so") != std::string::npos && found == "unknown") found = "libblas.so.3";
  }
  return found + ", " + std::to_string(at::get_num_threads()) + " threads";
}

void tune_allocator() {
#ifdef M_MMAP_THRESHOLD
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum
  // Blocks larger than that (a block of 16 VJPs of ResNet-18 is 16 × 45 MB) would still get fresh mmap'd
  // pages at every pass: the kernel's zeroing of them took half the time of a block of VJPs (docs/
  // PERFORMANCE.md, "Batching rules for convolutions"). No mmap at all: every block comes from the heap, and
  // freed ones are reused.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 256 << 20);
#endif
}

}  // namespace ts
