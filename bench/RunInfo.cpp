#include "RunInfo.h"

#include <unistd.h>

#include <ctime>
#include <fstream>

#include "core/TorchUtil.h"

namespace ts::bench {

namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string machine() {
  std::string model = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) != 0) continue;  // x86; other architectures keep "unknown CPU"
    const auto colon = line.find(':');
    if (colon != std::string::npos && colon + 2 <= line.size()) model = line.substr(colon + 2);
    break;
  }
  const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  return model + ", " + (cpus > 0 ? std::to_string(cpus) : std::string("unknown number of")) + " CPUs";
}

}  // namespace

RunInfo run_info() { return RunInfo{utc_now(), build_commit(), machine(), blas_description()}; }

void add_run_info(Json& report) {
  const RunInfo r = run_info();
  report["date"] = r.date;
  report["commit"] = r.commit;
  report["machine"] = r.machine;
  report["blas"] = r.blas;
}

}  // namespace ts::bench
