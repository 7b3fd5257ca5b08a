#pragma once
// Option readers shared by the command implementations of tangentscope-cli.
#include <iosfwd>
#include <string>
#include <vector>

#include "CliArgs.h"
#include "core/Json.h"
#include "jobs/Jobs.h"

namespace ts::bench {
struct AlRetrainBenchOptions;
struct PntkSpeedBenchOptions;
struct PntkWidthBenchOptions;
}  // namespace ts::bench

namespace ts::cli {

/// The largest count an option takes (points, labels, batch sizes): far beyond any use, far below overflow.
constexpr long long kMaxCount = 1000000000;

std::vector<std::string> split_list(const std::string& s);
/// --NAME's comma-separated list of integers ≥ min; the message names the option and the bad item.
std::vector<int64_t> int_list(const Args& a, const std::string& name, const std::string& fallback = "",
                              long long min = 1);
/// --device, --dtype, --threads, --seed, --memory-budget, --product-batch (and --distribute) over `defaults`.
ComputeConfig compute_from(const Args& a, ComputeConfig defaults = {});
ProblemSpec problem_from(const Args& a);
EstimatorOptions estimator_from(const Args& a);
/// --epochs, --batch-size, --lr, --optimizer, --loss, --momentum, --weight-decay over `defaults`.
TrainOptions training_from(const Args& a, TrainOptions defaults = {});
std::string fmt(double v);
/// The run control every command passes to its job: cancelled by SIGINT/SIGTERM (install_signal_handlers).
RunControl cli_control();

/// Where warnings of the current run go (run()'s error stream; std::cerr outside a run).
std::ostream& warnings();

/// The signal (SIGINT, SIGTERM) that asked this process to stop, or 0.
int pending_signal();
/// This program's own file (/proc/self/exe), to start it again as ranks.
std::string program_path();
/// bench NAME (BenchCommands.cpp); bench_options: the options a benchmark would run with, as its report's
/// "config" (bench/BenchOptionsJson.h), for the test that its help's defaults are the ones it runs with.
int cmd_bench(const std::string& which, const Args& a, std::ostream& out, std::ostream& err);
Json bench_options(const std::string& which, const Args& a);

/// launch --nproc N -- COMMAND … (Launch.cpp): `args` starts with "launch".
int cmd_launch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// train (metrics = false) and dynamics (metrics = true).
int cmd_train(const Args& a, std::ostream& out, bool metrics);

/// pntk, hessian, bench pntk-width, bench pntk-speed (PntkCommands.cpp). Bench logs go to `log`.
int cmd_pntk(const Args& a, std::ostream& out);
int cmd_hessian(const Args& a, std::ostream& out);
int cmd_bench_pntk_width(const Args& a, std::ostream& out, std::ostream& log);
int cmd_bench_pntk_speed(const Args& a, std::ostream& out, std::ostream& log);
/// The options bench pntk-width and pntk-speed run with.
bench::PntkWidthBenchOptions pntk_width_options(const Args& a);
bench::PntkSpeedBenchOptions pntk_speed_options(const Args& a);

/// watch RUN_DIR… (WatchCommand.cpp): the NTK metrics of the snapshots of users' own training runs.
int cmd_watch(const Args& a, std::ostream& out);

/// al and bench al-retrain (AlCommands.cpp): look-ahead active learning and its check against SGD retraining.
int cmd_al(const Args& a, std::ostream& out);
int cmd_bench_al_retrain(const Args& a, std::ostream& out);
/// The options bench al-ablation and al-retrain run with: their defaults (bench/) with the given options over
/// them.
AlRequest al_ablation_request(const Args& a);
bench::AlRetrainBenchOptions al_retrain_options(const Args& a);
int cmd_bench_al_ablation(const Args& a, std::ostream& out, std::ostream& log);

}  // namespace ts::cli
