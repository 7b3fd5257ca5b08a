#pragma once
// The process's numerical runtime, for the entry points (CLI, app, benchmarks): the allocator's tuning and
// the BLAS in use. Without LibTorch's headers, so the app and the command line include it cheaply
// (core/TorchUtil.h holds the tensor helpers).
#include <string>

namespace ts {

/// "OpenBLAS 0.3.21 (…)": the BLAS LibTorch runs on, for results and reports.
std::string blas_description();
/// Keeps large LibTorch buffers in the heap instead of fresh mmap'd pages (glibc), which otherwise costs a
/// page fault per touched page on every matvec block; up to 1 GiB of freed memory at the heap's top stays
/// mapped for reuse. Called once by the entry points (CLI, app, benchmarks).
void tune_allocator();

}  // namespace ts
