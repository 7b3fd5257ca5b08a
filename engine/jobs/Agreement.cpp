#include "jobs/Agreement.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "core/Errors.h"
#include "core/Json.h"
#include "data/Data.h"
#include "dist/Communicator.h"
#include "models/Model.h"

namespace ts::dist {

namespace {

// A 64-bit hash, eight bytes a step (a fingerprint, not a defence against anyone forging one).
class Hash {
 public:
  void bytes(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      mix(w);
    }
    uint64_t tail = 0;
    if (n > i) std::memcpy(&tail, p + i, n - i);
    mix(tail ^ (uint64_t(n) << 56));
  }
  void text(const std::string& s) { bytes(s.data(), s.size()); }
  void tensor(const at::Tensor& t) {
    if (!t.defined()) {
      text("undefined");
      return;
    }
    const at::Tensor c = t.detach().cpu().contiguous();
    text(std::string(c10::toString(c.scalar_type())));
    for (const int64_t s : c.sizes()) mix(static_cast<uint64_t>(s));
    bytes(c.data_ptr(), c.nbytes());
  }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h_));
    return buf;
  }

 private:
  void mix(uint64_t w) {
    h_ = (h_ ^ w) * 0x9E3779B97F4A7C15ULL;
    h_ ^= h_ >> 32;
  }
  uint64_t h_ = 0xCBF29CE484222325ULL;
};

std::string prefix() { return rank_prefix(); }

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  size_t at = 0;
  for (size_t nul; (nul = s.find('\0', at)) != std::string::npos; at = nul + 1)
    out.push_back(s.substr(at, nul - at));
  return out;
}

// Word i of a command line with the option it belongs to ("--data digits:n=50"), or "nothing" past its end.
std::string option_at(const std::vector<std::string>& w, size_t i) {
  if (i >= w.size()) return "nothing more";
  const bool is_option = w[i].rfind("-", 0) == 0;
  if (is_option) return w[i] + (i + 1 < w.size() && w[i + 1].rfind("-", 0) != 0 ? " " + w[i + 1] : "");
  for (size_t k = i; k-- > 0;)
    if (w[k].rfind("-", 0) == 0) return k + 1 == i ? w[k] + " " + w[i] : w[i];
  return w[i];
}

}  // namespace

std::string fingerprint(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  Hash h;
  h.tensor(t);
  return h.hex();
}

void require_same_command(const std::vector<std::string>& words) {
  if (world().size() == 1) return;
  std::string mine;
  for (const auto& w : words) mine += w + '\0';
  const std::vector<std::string> all = all_gather_text(mine);
  for (size_t r = 1; r < all.size(); ++r) {
    if (all[r] == all[0]) continue;
    const std::vector<std::string> a = split_words(all[0]), b = split_words(all[r]);
    size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    throw DistributedError(prefix() + "rank " + std::to_string(r) + " was given " + option_at(b, i) +
                           " but rank 0 " + option_at(a, i) +
                           ": every rank of a run must be given the same command and options");
  }
}

void require_same_problem(const Dataset& data, const Model* model) {
  if (world().size() == 1) return;
  // What each rank was given, in the order checked: [what, description, fingerprint].
  Json claims = Json::array();
  if (model != nullptr) {
    Hash h;
    h.text(model->spec());
    h.text(model->selection());
    for (size_t i = 0; i < model->parameters().size(); ++i) {
      h.text(model->parameter_names()[i]);
      h.tensor(model->parameters()[i]);
    }
    claims.push_back(Json::array(
        {"a different model", model->spec() + " (" + std::to_string(model->num_parameters()) + " parameters)",
         h.hex()}));
  }
  Hash h;
  h.text(data.description);
  h.tensor(data.inputs);
  h.tensor(data.labels);
  h.tensor(data.targets);
  claims.push_back(Json::array({"different data", data.description, h.hex()}));
  const std::vector<std::string> all = all_gather_text(json_text(claims));
  const Json first = parse_json(all[0], "rank 0's problem");
  for (size_t r = 1; r < all.size(); ++r) {
    const Json other = parse_json(all[r], "rank " + std::to_string(r) + "'s problem");
    for (size_t k = 0; k < first.size() && k < other.size(); ++k) {
      if (other[k] == first[k]) continue;
      const auto field = [](const Json& c, int i) { return c[static_cast<size_t>(i)].get<std::string>(); };
      throw DistributedError(prefix() + "rank " + std::to_string(r) + " has " + field(first[k], 0) + " (" +
                             field(other[k], 1) + " vs rank 0's " + field(first[k], 1) + "; fingerprints " +
                             field(other[k], 2) + " vs " + field(first[k], 2) +
                             "): every rank of a run must be given the same model and data");
    }
  }
}

}  // namespace ts::dist
