#pragma once
// The ranks of one run, over LibTorch's c10d process groups (the default group of torch.distributed): rank r
// of R, joined from the environment torchrun sets. A run of one process is a world of one and never
// communicates. docs/ARCHITECTURE.md ("Many processes") says how each job divides its work.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace at {
class Tensor;  // declared only: the entry points join the world without LibTorch's headers
}  // namespace at

namespace ts {
class CancelToken;
}

namespace ts::dist {

/// Where this process stands among the ranks of one run, as torchrun describes it.
struct WorldConfig {
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  double timeout_seconds = 120;  ///< a rank that does not arrive or answer within this ends the run
};

/// RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT and TS_DIST_TIMEOUT (seconds) from the environment;
/// without WORLD_SIZE, one process. Throws InputError naming the variable when one is malformed.
WorldConfig config_from_environment();

/// The contiguous share [begin, begin + count) of n items that rank r of R takes: the first n mod R ranks
/// take one more.
struct Share {
  int64_t begin = 0;
  int64_t count = 0;
};
Share share(int64_t n, int rank, int size);
/// Every rank's share count of n items, in rank order.
std::vector<int64_t> share_counts(int64_t n, int size);

/// Collective traffic of this process so far: calls, the bytes of the tensors gathered or reduced, and the
/// wall time spent waiting in collectives.
struct CommStats {
  int64_t calls = 0;
  int64_t bytes = 0;
  double seconds = 0;
};

/// The collectives the engine uses. Every rank must make the same calls in the same order.
class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Every rank's `local` ([counts[rank], ...]) concatenated along dimension 0 in rank order, on every rank,
  /// on `local`'s device.
  virtual at::Tensor all_gather_rows(const at::Tensor& local, const std::vector<int64_t>& counts) = 0;
  /// Replaces `t` by its sum over the ranks (the same bits on every rank).
  virtual void all_reduce_sum(at::Tensor& t) = 0;
  virtual void barrier() = 0;
  CommStats stats() const { return stats_; }

 protected:
  CommStats stats_;
};

/// This process's world: a world of one until join() succeeds.
Communicator& world();
/// Joins the ranks `c` describes over Gloo (TCP through MASTER_ADDR:MASTER_PORT): rank 0 serves the
/// rendezvous, every rank greets it with its WORLD_SIZE, and ranks whose WORLD_SIZE differs from rank 0's
/// are refused before Gloo starts. Never waits longer than c.timeout_seconds, and ends within 50 ms of
/// `cancel` being set (a signal). Throws DistributedError naming MASTER_ADDR:MASTER_PORT and what failed
/// (a rank that did not arrive, a port held by another program, different WORLD_SIZEs), Cancelled, and
/// InputError when this build has no Gloo. A second call is an error.
void join(const WorldConfig& c, const CancelToken* cancel = nullptr);
/// True when join() gave up (a signal, the time-out) while LibTorch still blocked in a connect or a read on
/// another thread: the program should then end with std::_Exit once its message is out, since running the
/// destructors of static objects that thread may still use could crash.
bool join_abandoned();
/// True when this build can join several ranks (LibTorch's Gloo and its headers were found).
bool has_gloo();
/// While alive, world() is a world of one: a rank running its own share of a job's independent items
/// (split_items) runs each item whole, without dividing its products among the ranks again. Nests.
class LocalWork {
 public:
  LocalWork();
  ~LocalWork();
  LocalWork(const LocalWork&) = delete;
  LocalWork& operator=(const LocalWork&) = delete;
};

/// Every rank's `text`, in rank order, on every rank (two collectives: the lengths, then the bytes).
std::vector<std::string> all_gather_text(const std::string& text);

/// Items 0 … n−1 of a job divided among the ranks in rounds: in round t rank r runs `item(t·R + r)` under
/// LocalWork, then every rank receives each item's result, in order of the items, through `take(i, text)`.
/// A round costs the slowest of its R items and two collectives, so a rank that dies or hangs is noticed
/// within the time-out of the round it is in. One process runs item(i) and take(i, …) in turn.
void split_items(int64_t n, const std::function<std::string(int64_t)>& item,
                 const std::function<void(int64_t, const std::string&)>& take);

/// Vectors per product call for `block` per rank (--block): under R ranks TangentMap divides each call R
/// ways, so a call takes R × block vectors and every rank still gets a whole block.
int64_t call_block(int64_t block);
/// "rank r of R: " under several ranks, else empty: the prefix of every message a rank prints.
std::string rank_prefix();

}  // namespace ts::dist
