#include "dist/Communicator.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "core/Errors.h"
#include "core/Stopwatch.h"

#ifdef TS_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

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

#ifdef TS_WITH_GLOO
class GlooWorld : public Communicator {
 public:
  explicit GlooWorld(const WorldConfig& c) : rank_(c.rank), size_(c.size), timeout_(c.timeout_seconds) {
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(c.timeout_seconds * 1000));
    try {
      c10d::TCPStoreOptions o;
      o.port = static_cast<uint16_t>(c.master_port);
      o.isServer = c.rank == 0;
      o.numWorkers = c.size;
      o.waitWorkers = true;
      o.timeout = timeout;
      auto store = c10::make_intrusive<c10d::TCPStore>(c.master_addr, o);
      auto opts = c10d::ProcessGroupGloo::Options::create();
      opts->timeout = timeout;
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(c.master_addr));
      pg_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store, c.rank, c.size, opts);
    } catch (const std::exception& e) {
      throw DistributedError(
          prefix() + "could not join the " + std::to_string(c.size) + " ranks at " + c.master_addr + ":" +
          std::to_string(c.master_port) + " within " + std::to_string(static_cast<int>(c.timeout_seconds)) +
          " s (did every rank start, with the same MASTER_ADDR and MASTER_PORT?): " + first_line(e.what()));
    }
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  at::Tensor all_gather_rows(const at::Tensor& local, const std::vector<int64_t>& counts) override {
    int64_t most = 0;
    for (auto n : counts) most = std::max(most, n);
    std::vector<int64_t> shape = local.sizes().vec();
    shape[0] = most;
    // Gloo moves CPU tensors of one size: pad every share to the largest.
    at::Tensor mine = at::zeros(shape, local.options().device(at::kCPU));
    if (local.size(0) > 0) mine.narrow(0, 0, local.size(0)).copy_(local);
    std::vector<std::vector<at::Tensor>> out(1);
    for (int r = 0; r < size_; ++r) out[0].push_back(at::empty_like(mine));
    std::vector<at::Tensor> in{mine};
    run("gather results", static_cast<int64_t>(size_) * mine.numel() * mine.element_size(),
        [&] { return pg_->allgather(out, in); });
    std::vector<at::Tensor> parts;
    for (int r = 0; r < size_; ++r) parts.push_back(out[0][static_cast<size_t>(r)].narrow(0, 0, counts[r]));
    return at::cat(parts, 0).to(local.device());
  }

  void all_reduce_sum(at::Tensor& t) override {
    std::vector<at::Tensor> v{t.device().is_cpu() ? t.contiguous() : t.cpu()};
    run("sum a product", t.numel() * t.element_size(), [&] { return pg_->allreduce(v); });
    t = v[0].to(t.device());
  }

  void barrier() override {
    run("finish together", 0, [&] { return pg_->barrier(); });
  }

 private:
  std::string prefix() const {
    return "rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": ";
  }
  static std::string first_line(std::string s) {
    const auto nl = s.find('\n');
    return nl == std::string::npos ? s : s.substr(0, nl);
  }
  template <class F>
  void run(const char* what, int64_t bytes, F&& start) {
    detail::Stopwatch clock;
    try {
      start()->wait();
    } catch (const std::exception& e) {
      const std::string why = e.what();
      const bool timed_out = why.find("imed out") != std::string::npos;
      throw DistributedError(prefix() + "could not " + what + " with the other ranks: " +
                             (timed_out ? "a rank did not answer within " +
                                              std::to_string(static_cast<int>(timeout_)) + " s (hung?)"
                                        : "a rank ended or was cut off (see its own error)") +
                             "; no output was written (" + first_line(why) + ")");
    }
    stats_.calls += 1;
    stats_.bytes += bytes;
    stats_.seconds += clock.seconds();
  }

  int rank_, size_;
  double timeout_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg_;
};
#endif

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

bool has_gloo() {
#ifdef TS_WITH_GLOO
  return true;
#else
  return false;
#endif
}

void join(const WorldConfig& c) {
  if (world().size() > 1) throw std::logic_error("internal error: dist::join called twice");
  if (c.size <= 1) return;
#ifdef TS_WITH_GLOO
  Communicator* joined = new GlooWorld(c);
  instance() = joined;
#else
  throw InputError(
      "WORLD_SIZE=" + std::to_string(c.size) +
      ": this build of TangentScope runs one process only (LibTorch's Gloo headers were not found "
      "when it was built; scripts/deps installs libgloo-dev)");
#endif
}

std::string rank_prefix() {
  const Communicator& w = world();
  return w.size() > 1 ? "rank " + std::to_string(w.rank()) + " of " + std::to_string(w.size()) + ": " : "";
}

}  // namespace ts::dist
