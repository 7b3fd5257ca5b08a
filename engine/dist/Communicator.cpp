#include "dist/Communicator.h"

#include <ATen/ATen.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/Errors.h"
#include "dist/GlooWorld.h"

namespace ts::dist {

namespace {

long long env_integer(const char* name, long long fallback, long long lo, long long hi) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  const long long x = std::strtoll(v, &end, 10);
  if (*end != '\0' || errno == ERANGE || x < lo || x > hi)
    throw InputError("environment variable " + std::string(name) + "='" + v + "' is not an integer from " +
                     std::to_string(lo) + " to " + std::to_string(hi));
  return x;
}

class SingleProcess : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  at::Tensor all_gather_rows(const at::Tensor& local, const std::vector<int64_t>&) override { return local; }
  void all_reduce_sum(at::Tensor&) override {}
  void barrier() override {}
};

// Never destroyed: a process group torn down during exit could wait on ranks that are already gone.
Communicator*& instance() {
  static Communicator* w = new SingleProcess();
  return w;
}

}  // namespace

WorldConfig config_from_environment() {
  WorldConfig c;
  c.size = static_cast<int>(env_integer("WORLD_SIZE", 1, 1, 4096));
  c.rank = static_cast<int>(env_integer("RANK", 0, 0, c.size - 1));
  c.local_rank = static_cast<int>(env_integer("LOCAL_RANK", c.rank, 0, 4095));
  c.master_port = static_cast<int>(env_integer("MASTER_PORT", c.master_port, 1, 65535));
  c.timeout_seconds = static_cast<double>(env_integer("TS_DIST_TIMEOUT", 120, 1, 86400));
  if (const char* a = std::getenv("MASTER_ADDR"); a != nullptr && *a != '\0') c.master_addr = a;
  if (c.size > 1 && std::getenv("RANK") == nullptr)
    throw InputError(
        "environment variable WORLD_SIZE=" + std::to_string(c.size) +
        " is set but RANK is not (torchrun sets both; or use tangentscope-cli launch --nproc N)");
  return c;
}

Share share(int64_t n, int rank, int size) {
  const int64_t base = n / size, extra = n % size, r = rank;
  return {r * base + std::min(r, extra), base + (r < extra ? 1 : 0)};
}

std::vector<int64_t> share_counts(int64_t n, int size) {
  std::vector<int64_t> c;
  for (int r = 0; r < size; ++r) c.push_back(share(n, r, size).count);
  return c;
}

namespace {

int& local_depth() {
  static int depth = 0;
  return depth;
}

Communicator& one_process() {
  static Communicator* w = new SingleProcess();
  return *w;
}

}  // namespace

Communicator& world() { return local_depth() > 0 ? one_process() : *instance(); }

LocalWork::LocalWork() { ++local_depth(); }
LocalWork::~LocalWork() { --local_depth(); }

std::vector<std::string> all_gather_text(const std::string& text) {
  Communicator& w = world();
  if (w.size() == 1) return {text};
  const std::vector<int64_t> ones(static_cast<size_t>(w.size()), 1);
  const at::Tensor n = at::full({1}, static_cast<int64_t>(text.size()), at::TensorOptions().dtype(at::kLong));
  const at::Tensor lengths = w.all_gather_rows(n, ones).contiguous();
  const std::vector<int64_t> counts(lengths.data_ptr<int64_t>(),
                                    lengths.data_ptr<int64_t>() + lengths.numel());
  std::vector<std::string> out(counts.size());
  int64_t total = 0;
  for (auto c : counts) total += c;
  if (total == 0) return out;
  at::Tensor mine = at::empty({static_cast<int64_t>(text.size())}, at::TensorOptions().dtype(at::kByte));
  if (!text.empty()) std::memcpy(mine.data_ptr(), text.data(), text.size());
  const at::Tensor all = w.all_gather_rows(mine, counts).contiguous();
  const char* bytes = static_cast<const char*>(all.data_ptr());
  int64_t off = 0;
  for (size_t r = 0; r < counts.size(); ++r) {
    out[r].assign(bytes + off, static_cast<size_t>(counts[r]));
    off += counts[r];
  }
  return out;
}

void split_items(int64_t n, const std::function<std::string(int64_t)>& item,
                 const std::function<void(int64_t, const std::string&)>& take) {
  const int ranks = world().size(), rank = world().rank();
  if (ranks == 1) {
    for (int64_t i = 0; i < n; ++i) take(i, item(i));
    return;
  }
  for (int64_t base = 0; base < n; base += ranks) {
    std::string mine;
    if (base + rank < n) {
      const LocalWork local;
      mine = item(base + rank);
    }
    const std::vector<std::string> all = all_gather_text(mine);
    for (int r = 0; r < ranks && base + r < n; ++r) take(base + r, all[static_cast<size_t>(r)]);
  }
}

int64_t call_block(int64_t block) { return std::max<int64_t>(1, block) * world().size(); }

void join(const WorldConfig& c, const CancelToken* cancel) {
  if (world().size() > 1) throw std::logic_error("internal error: dist::join called twice");
  if (c.size <= 1) return;
  instance() = detail::join_gloo(c, cancel);
}

std::string rank_prefix() {
  const Communicator& w = world();
  return w.size() > 1 ? "rank " + std::to_string(w.rank()) + " of " + std::to_string(w.size()) + ": " : "";
}

}  // namespace ts::dist
