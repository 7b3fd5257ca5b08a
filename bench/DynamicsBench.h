#pragma once
// Figure 4 of Hazelden's paper (arXiv 2511.10796): an MLP (hidden width 256) trained on MNIST for 5 epochs;
// relative error of ‖K_f‖_F, cos(K₀, K_f) and r_eff(K_f) against their exact values, versus the percentage of
// the exact runtime.
#include <iosfwd>
#include <string>
#include <vector>

#include "BenchCompute.h"
#include "core/Config.h"
#include "core/Json.h"

namespace ts::bench {

struct DynamicsBenchOptions {
  std::string model = "mlp:in=784,width=256,depth=2,out=10";
  std::string data = "mnist";  ///< training data (the test split gives the probe batch)
  std::string test_data = "mnist:split=test";
  int epochs = 5;
  int64_t batch_size = 128;
  double lr = 1e-3;
  int64_t probe_n = 50;  ///< the NTK batch: d = probe_n × 10
  std::vector<int64_t> budgets{8, 16, 32, 64, 128, 256};
  std::vector<std::string> methods{"hutchpp", "xtrace", "xnystrace"};
  int repeats = 5;
  int64_t train_subset = 0;                                      ///< 0: all 60,000 training images
  ComputeConfig compute = with_memory_budget(int64_t(8) << 30);  ///< the exact values of every snapshot
};

Json run_dynamics_bench(const DynamicsBenchOptions& options, std::ostream& log);
std::string format_dynamics_bench(const Json& report);

}  // namespace ts::bench
