#pragma once
// Before any collective product every rank checks that it was given the same run as rank 0: the same
// command line, the same model (its spec and a fingerprint of its parameters) and the same data (a
// fingerprint of its tensors). Ranks given different runs would compute shares of different products and
// abort inside the collective library, or gather a silently wrong number.
#include <string>
#include <vector>

namespace at {
class Tensor;
}
namespace ts {
class Model;
struct Dataset;
}  // namespace ts

namespace ts::dist {

/// 16 hex digits: a 64-bit hash of a tensor's dtype, shape and bytes (on the CPU); "undefined" for none.
std::string fingerprint(const at::Tensor& t);

/// Every rank's `words` (its command line, after the program) equal rank 0's; otherwise every rank throws
/// DistributedError naming the first rank that differs and the first option that differs on both ranks.
/// Under one process, nothing.
void require_same_command(const std::vector<std::string>& words);

/// Every rank's data (its description, and the dtype, shape and values of its inputs, labels and targets)
/// and, when given, model (spec, parameter selection, and the names, shapes and values of its parameters)
/// equal rank 0's; otherwise every rank throws DistributedError naming the first rank that differs, what
/// differs, both descriptions and both fingerprints. Call it where every rank has built the problem and
/// before the first collective product. Under one process or LocalWork, nothing.
void require_same_problem(const Dataset& data, const Model* model = nullptr);

}  // namespace ts::dist
