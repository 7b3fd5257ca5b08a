#include "jobs/RunFolder.h"

#include "jobs/RunTensors.h"

#include <fcntl.h>
#include <sys/file.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "core/ErrorText.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "data/NumpyFiles.h"
#include "io/Spec.h"

namespace ts {

namespace fs = std::filesystem;

namespace {

constexpr int kRunVersion = 1;
constexpr int64_t kMaxRunJson = 1 << 20;           // run.json and each scalars line are small
constexpr int64_t kMaxScalars = int64_t(1) << 28;  // scalars.jsonl: a line per snapshot

std::string read_run_file(const std::string& path, int64_t limit, const std::string& what) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) throw InputError(what + " '" + path + "' cannot be read: " + ec.message());
  if (static_cast<int64_t>(size) > limit)
    throw InputError(what + " '" + path + "' is " + std::to_string(size) +
                     " bytes, more than such a file holds");
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw InputError(what + " '" + path + "' cannot be read");
  return text;
}

// A path named by run.json must stay inside the run folder: a file name, no folder part.
std::string run_member(const RunFolder& r, const Json& j, const char* key, bool optional) {
  const std::string where = "run folder '" + r.dir + "': run.json's " + key;
  if (!j.contains(key) || j[key].is_null()) {
    if (optional) return "";
    throw InputError(where + " is missing");
  }
  if (!j[key].is_string()) throw InputError(where + " is not a file name");
  const std::string name = j[key].get<std::string>();
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw InputError(where + " '" + name + "' is not a file name inside the run folder");
  const std::string path = (fs::path(r.dir) / name).string();
  if (!fs::is_regular_file(path)) throw InputError(where + ": file '" + path + "' is missing");
  return path;
}

// step-000000000200.pt → 200; -1 for any other name (partial files, strays).
int64_t snapshot_step_of(const std::string& file) {
  const std::string prefix = "step-", suffix = ".pt";
  if (file.size() <= prefix.size() + suffix.size() || file.rfind(prefix, 0) != 0 ||
      file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0)
    return -1;
  const std::string digits = file.substr(prefix.size(), file.size() - prefix.size() - suffix.size());
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::stoll(digits);
}

}  // namespace

RunFolder read_run_folder(const std::string& dir) {
  RunFolder r;
  r.dir = dir;
  const std::string info = (fs::path(dir) / "run.json").string();
  if (!fs::is_directory(dir)) throw InputError("run folder '" + dir + "' does not exist or is not a folder");
  if (!fs::exists(info))
    throw InputError("'" + dir +
                     "' is not a run folder: it has no run.json (tangentscope.RunLogger writes one; see "
                     "docs/FORMATS.md \"Run folders\")");
  const Json j =
      parse_json(read_run_file(info, kMaxRunJson, "run description"), "run description '" + info + "'");
  if (!j.is_object() || !j.contains("format") || j["format"] != "tangentscope-run")
    throw InputError("'" + info +
                     "' is not a TangentScope run description (its format is not tangentscope-run)");
  if (!j.contains("version") || !j["version"].is_number_integer())
    throw InputError("'" + info + "': version is missing or not an integer");
  if (j["version"].get<int64_t>() > kRunVersion)
    throw InputError("'" + info + "' is a run of format version " +
                     std::to_string(j["version"].get<int64_t>()) + "; this TangentScope reads version " +
                     std::to_string(kRunVersion) + ": update TangentScope");
  r.name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>()
                                                       : fs::path(dir).filename().string();
  r.model_file = run_member(r, j, "model", false);
  r.probe_inputs = run_member(r, j, "probe_inputs", false);
  r.probe_targets = run_member(r, j, "probe_targets", true);
  r.finished = fs::exists(fs::path(dir) / "finished");

  std::map<int64_t, Json> scalars;
  const std::string scalars_file = (fs::path(dir) / "scalars.jsonl").string();
  if (fs::exists(scalars_file)) {
    const std::string what = "'" + scalars_file + "'";
    for (const auto& [line_no, s] :
         parse_json_lines(read_run_file(scalars_file, kMaxScalars, "scalars file"), what)) {
      if (!s.is_object() || !s.contains("step") || !s["step"].is_number_integer())
        throw InputError(what + " line " + std::to_string(line_no) + " has no integer step");
      scalars[s["step"].get<int64_t>()] = s;
    }
  }
  const fs::path snaps = fs::path(dir) / "snapshots";
  std::error_code ec;
  if (fs::is_directory(snaps)) {
    for (const auto& e : fs::directory_iterator(snaps, ec)) {
      const int64_t step = snapshot_step_of(e.path().filename().string());
      if (step < 0 || !e.is_regular_file()) continue;
      RunSnapshot s;
      s.step = step;
      s.file = e.path().string();
      const auto it = scalars.find(step);
      if (it != scalars.end()) {
        const Json& line = it->second;
        for (auto m = line.begin(); m != line.end(); ++m)
          if (m->is_number() && m.key() != "step" && m.key() != "time")
            s.values.emplace_back(m.key(), m->get<double>());
      }
      r.snapshots.push_back(std::move(s));
    }
    if (ec) throw InputError("run folder '" + dir + "': its snapshots cannot be listed: " + ec.message());
  }
  std::sort(r.snapshots.begin(), r.snapshots.end(),
            [](const RunSnapshot& a, const RunSnapshot& b) { return a.step < b.step; });
  return r;
}

std::vector<std::pair<std::string, at::Tensor>> read_snapshot(const std::string& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) throw InputError("snapshot '" + file + "' cannot be read: " + ec.message());
  std::vector<char> bytes(size);
  {
    std::ifstream in(file, std::ios::binary);
    if (!in.read(bytes.data(), static_cast<std::streamsize>(size)))
      throw InputError("snapshot '" + file + "' cannot be read");
  }
  c10::IValue v;
  try {
    v = torch::jit::pickle_load(bytes);
  } catch (const std::exception& e) {
    throw InputError("snapshot '" + file +
                     "' is not a readable torch.save file (truncated or damaged?): " + first_line(e.what()));
  }
  if (!v.isGenericDict()) throw InputError("snapshot '" + file + "' does not hold a dict of tensors");
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& kv : v.toGenericDict()) {
    if (!kv.key().isString() || !kv.value().isTensor())
      throw InputError("snapshot '" + file + "' holds an entry that is not a name and a tensor");
    out.emplace_back(kv.key().toStringRef(), kv.value().toTensor());
  }
  return out;
}

at::Tensor run_targets(const std::string& file, const std::vector<int64_t>& output_shape, int64_t n,
                       int64_t memory_budget) {
  const NpyArray a = read_npy_file(file, memory_budget, true);
  std::vector<int64_t> shape = a.values.sizes().vec();
  std::vector<int64_t> out_shape = {n};
  out_shape.insert(out_shape.end(), output_shape.begin(), output_shape.end());
  const std::string what = "probe targets '" + file + "'";
  if (!shape.empty() && shape[0] != n)
    throw InputError(what + " have " + std::to_string(shape[0]) + " rows but the probe batch has " +
                     std::to_string(n));
  if (a.integral) {
    std::vector<int64_t> want(out_shape.begin(), out_shape.end() - 1);
    if (out_shape.size() < 2 || shape != want)
      throw InputError(what + " are class indices of shape [" + shape_to_string(shape) +
                       "], but the model's output [" + shape_to_string(out_shape) + "] needs shape [" +
                       shape_to_string(want) + "] (one index per row of its last axis)");
    const int64_t classes = out_shape.back();
    const at::Tensor idx = a.values;
    if (idx.numel() > 0 && (idx.min().item<int64_t>() < 0 || idx.max().item<int64_t>() >= classes))
      throw InputError(what + " hold class indices outside 0…" + std::to_string(classes - 1));
    return at::one_hot(idx, classes).to(at::kDouble).reshape({-1});
  }
  if (shape != out_shape)
    throw InputError(what + " have shape [" + shape_to_string(shape) +
                     "] but the model's output has shape [" + shape_to_string(out_shape) +
                     "] (regression targets must match it)");
  return a.values.reshape({-1});
}

RunLock::RunLock(const std::string& dir) {
  const std::string path = (fs::path(dir) / "watch.lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw InputError("run folder '" + dir + "' cannot be locked: " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw InputError("run '" + dir +
                       "' is being analysed by another watcher (watch.lock is held): stop that one, or wait "
                       "for it to finish");
    throw InputError("run folder '" + dir + "' cannot be locked: " + std::strerror(err));
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace ts
