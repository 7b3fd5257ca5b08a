#pragma once
// Internal to dist/: the world of several ranks over LibTorch's Gloo process group, and how a rank joins it.
#include "dist/Communicator.h"

namespace ts {
class CancelToken;
}

namespace ts::dist::detail {

/// Joins the ranks `c` describes (Communicator.h, join()) and returns this rank's world. Throws
/// DistributedError naming MASTER_ADDR:MASTER_PORT and what failed, Cancelled when `cancel` is set while
/// waiting; never waits longer than c.timeout_seconds.
Communicator* join_gloo(const WorldConfig& c, const CancelToken* cancel);

}  // namespace ts::dist::detail
