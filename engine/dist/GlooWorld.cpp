#include "dist/GlooWorld.h"

#include <pthread.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "core/ErrorText.h"
#include "core/Errors.h"
#include "core/RunControl.h"
#include "core/Stopwatch.h"

#ifdef TS_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace ts::dist {

namespace {
std::atomic<bool> g_abandoned{false};
}  // namespace

bool join_abandoned() { return g_abandoned.load(); }

bool has_gloo() {
#ifdef TS_WITH_GLOO
  return true;
#else
  return false;
#endif
}

namespace detail {

#ifdef TS_WITH_GLOO
namespace {

std::string prefix(int rank, int size) {
  return "rank " + std::to_string(rank) + " of " + std::to_string(size) + ": ";
}

class GlooWorld : public Communicator {
 public:
  GlooWorld(const WorldConfig& c, c10::intrusive_ptr<c10d::ProcessGroupGloo> pg)
      : rank_(c.rank), size_(c.size), timeout_(c.timeout_seconds), pg_(std::move(pg)) {}
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
  template <class F>
  void run(const char* what, int64_t bytes, F&& start) {
    ts::detail::Stopwatch clock;
    try {
      start()->wait();
    } catch (const std::exception& e) {
      const std::string why = e.what();
      const bool timed_out = why.find("imed out") != std::string::npos;
      throw DistributedError(prefix(rank_, size_) + "could not " + what + " with the other ranks: " +
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

// How far a joining rank got: what the message says when it gets no further.
enum Step : int {
  kConnecting,  // rank 0: opening the store at MASTER_PORT; the others: reaching it
  kConnected,   // the others: connected, waiting for rank 0's greeting
  kGreeted,     // rank 0: waiting for each rank to arrive; the others: for rank 0's verdict
  kAgreed,      // every rank arrived with one WORLD_SIZE: Gloo sets up its process group
};

// What the thread that joins shares with the thread that waits for it, which may give up on it (a signal,
// the time-out) while LibTorch still blocks in a connect or a read that no flag of ours can stop.
struct Joining {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr error;
  std::string refusal;  ///< the ranks disagree: why, naming the rank and both values
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  std::atomic<int> step{kConnecting};
  std::atomic<int> waiting_for{-1};  ///< rank 0: the rank it waits for
};

// Each rank's greeting in the store: it marks the store as a TangentScope rendezvous and carries the
// rank's WORLD_SIZE, checked before Gloo (whose own message for different sizes is a raw abort) runs.
const std::string kGreeting = "tangentscope WORLD_SIZE=";
const std::string kVerdict = "tangentscope/verdict";
const std::string kRead = "tangentscope/verdict-read";

std::string rank_key(int r) { return "tangentscope/rank/" + std::to_string(r); }
std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

int greeting_size(const std::vector<uint8_t>& v) {
  const std::string g(v.begin(), v.end());
  if (g.rfind(kGreeting, 0) != 0) return -1;
  try {
    return std::stoi(g.substr(kGreeting.size()));
  } catch (const std::exception&) {
    return -1;
  }
}

std::string size_refusal(int r, int size_r, int size_0) {
  return "rank " + std::to_string(r) + " was started with WORLD_SIZE=" + std::to_string(size_r) +
         " but rank 0 with WORLD_SIZE=" + std::to_string(size_0) +
         ": every rank of a run must be given the same WORLD_SIZE";
}

// Rank 0 has refused: it keeps serving the store (up to 2 s) until every rank that arrived has read why.
void linger(c10d::TCPStore& store, int size) {
  int64_t arrived = 0;
  for (int r = 1; r < size; ++r) arrived += store.check({rank_key(r)}) ? 1 : 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (store.add(kRead, 0) < arrived && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// The blocking steps of joining, on their own thread: the store (rank 0 serves it), every rank's WORLD_SIZE
// against rank 0's, then Gloo's process group.
void connect(const WorldConfig& c, Joining& j) {
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(c.timeout_seconds * 1000));
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(c.master_port);
  o.isServer = c.rank == 0;
  o.numWorkers = c.size;
  // LibTorch's own wait for the workers ends at the time-out without an error (then Gloo waits as long again)
  // and hangs on a program that never answers: the greetings below count the ranks instead.
  o.waitWorkers = false;
  o.timeout = timeout;
  auto store = c10::make_intrusive<c10d::TCPStore>(c.master_addr, o);
  j.step = kConnected;
  const std::string mine = kGreeting + std::to_string(c.size);
  std::string refusal;
  if (c.rank == 0) {
    store->set(rank_key(0), bytes(mine));
    j.step = kGreeted;
    for (int r = 1; r < c.size && refusal.empty(); ++r) {
      j.waiting_for = r;
      const int s = greeting_size(store->get(rank_key(r)));
      if (s != c.size) refusal = size_refusal(r, s, c.size);
    }
    store->set(kVerdict, bytes(refusal.empty() ? "ok" : refusal));
    if (!refusal.empty()) linger(*store, c.size);
  } else {
    const int s0 = greeting_size(store->get(rank_key(0)));  // a program that is not rank 0 never answers
    j.step = kGreeted;
    store->set(rank_key(c.rank), bytes(mine));
    if (s0 != c.size) {
      refusal = size_refusal(c.rank, c.size, s0);
    } else {
      const std::vector<uint8_t> v = store->get(kVerdict);
      const std::string verdict(v.begin(), v.end());
      if (verdict != "ok") refusal = verdict;
    }
    try {
      store->add(kRead, 1);  // rank 0 may stop serving once every rank has read its verdict
    } catch (const std::exception&) {
      if (refusal.empty()) throw;
    }
  }
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  if (refusal.empty()) {
    j.step = kAgreed;
    auto opts = c10d::ProcessGroupGloo::Options::create();
    opts->timeout = timeout;
    opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(c.master_addr));
    pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, c.rank, c.size, opts);
  }
  const std::lock_guard<std::mutex> lock(j.m);
  j.refusal = refusal;
  j.pg = pg;
}

// Why a rank got no further than `j.step`, in words.
std::string stalled(const WorldConfig& c, const Joining& j) {
  const std::string at = c.master_addr + ":" + std::to_string(c.master_port);
  const std::string same = "did every rank start, with the same MASTER_ADDR and MASTER_PORT?";
  switch (j.step.load()) {
    case kConnecting:
      return c.rank == 0 ? "rank 0 could not open the rendezvous on port " + std::to_string(c.master_port)
                         : "rank 0 did not answer at " + at + " (" + same + ")";
    case kConnected:
      return "a program at " + at +
             " accepted the connection but did not answer as rank 0 of a TangentScope run: is MASTER_PORT " +
             std::to_string(c.master_port) + " in use by another program?";
    case kGreeted:
      return c.rank == 0 ? "rank " + std::to_string(j.waiting_for.load()) + " did not arrive (" + same + ")"
                         : "rank 0 answered but not every rank arrived (" + same + ")";
    default:
      return "every rank arrived but Gloo's process group was not set up (a rank ended or hung?)";
  }
}

std::string could_not_join(const WorldConfig& c) {
  return prefix(c.rank, c.size) + "could not join the " + std::to_string(c.size) + " ranks at " +
         c.master_addr + ":" + std::to_string(c.master_port);
}

}  // namespace

Communicator* join_gloo(const WorldConfig& c, const CancelToken* cancel) {
  auto j = std::make_shared<Joining>();
  {
    // The thread (and LibTorch's threads it starts) leaves SIGINT and SIGTERM to the main thread.
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    std::thread t([c, j] {
      try {
        connect(c, *j);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(j->m);
        j->error = std::current_exception();
      }
      const std::lock_guard<std::mutex> lock(j->m);
      j->done = true;
      j->cv.notify_all();
    });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    t.detach();
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(c.timeout_seconds * 1000));
  std::unique_lock<std::mutex> lock(j->m);
  for (;;) {
    // A signal ends the wait at once; the joining thread may still block in LibTorch: the program must
    // then end without running the destructors that thread could still reach (join_abandoned()).
    if (cancel != nullptr && cancel->cancelled()) {
      g_abandoned = !j->done;
      throw Cancelled();
    }
    if (j->done) break;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      g_abandoned = true;
      throw DistributedError(could_not_join(c) + " within " +
                             std::to_string(static_cast<int>(c.timeout_seconds)) + " s: " + stalled(c, *j));
    }
    j->cv.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(50)));
  }
  if (j->error) {
    std::string why;
    try {
      std::rethrow_exception(j->error);
    } catch (const std::exception& e) {
      why = first_line(e.what());
    } catch (...) {
      why = "unknown error";
    }
    if (c.rank == 0 && j->step.load() == kConnecting &&
        (why.find("in use") != std::string::npos || why.find("failed to listen") != std::string::npos))
      throw DistributedError(
          could_not_join(c) + ": MASTER_PORT " + std::to_string(c.master_port) +
          " is in use by another program (rank 0 cannot listen on it; give every rank another MASTER_PORT)");
    std::string lower = why;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const bool timed_out =
        lower.find("timed out") != std::string::npos || lower.find("timeout") != std::string::npos;
    throw DistributedError(
        could_not_join(c) +
        (timed_out ? " within " + std::to_string(static_cast<int>(c.timeout_seconds)) + " s" : "") + ": " +
        stalled(c, *j) + " (" + why + ")");
  }
  if (!j->refusal.empty()) throw DistributedError(prefix(c.rank, c.size) + j->refusal);
  return new GlooWorld(c, j->pg);
}
#else
Communicator* join_gloo(const WorldConfig& c, const CancelToken*) {
  throw InputError(
      "WORLD_SIZE=" + std::to_string(c.size) +
      ": this build of TangentScope runs one process only (LibTorch's Gloo headers were not found "
      "when it was built; scripts/deps installs libgloo-dev)");
}
#endif

}  // namespace detail

}  // namespace ts::dist
