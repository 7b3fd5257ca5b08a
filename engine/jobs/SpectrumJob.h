#pragma once
// The spectrum job: the eigenvalues of K, exactly when the kernel fits the memory budget, else the top of the
// spectrum from a Nyström sketch.
#include <optional>
#include <vector>

#include "core/RunControl.h"
#include "jobs/ProblemSpec.h"

namespace ts {

struct SpectrumRequest {
  ProblemSpec problem;
  int64_t top = 0;  ///< at most this many eigenvalues (0 = all min(d, P))
};

struct SpectrumResult {
  SpectrumRequest request;
  int64_t d = 0, params = 0;
  std::string kernel;                      ///< which matrix was decomposed, in words
  bool approximate = false;                ///< true for the Nyström sketch
  std::optional<double> trace, frobenius;  ///< of the exact kernel
  std::vector<double> eigenvalues;         ///< descending
  double seconds = 0;
};

SpectrumResult run_spectrum_job(const SpectrumRequest& request, const RunControl& rc = {});

}  // namespace ts
