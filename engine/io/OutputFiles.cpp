#include "io/OutputFiles.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/Errors.h"
#include "dist/Communicator.h"

namespace ts {

namespace {

// Bytes this process may still write under TS_FAULT_DISK_FREE (tests of a full disk); -1: no limit.
std::atomic<long long>& fault_budget() {
  static std::atomic<long long> left{[] {
    const char* env = std::getenv("TS_FAULT_DISK_FREE");
    return env && *env ? std::atoll(env) : -1LL;
  }()};
  return left;
}

// write(2) that reports ENOSPC past the injected budget, as a full disk would.
ssize_t checked_write(int fd, const char* data, size_t n) {
  auto& left = fault_budget();
  if (left.load() >= 0) {
    const long long allowed = std::min<long long>(static_cast<long long>(n), left.load());
    if (allowed <= 0) {
      errno = ENOSPC;
      return -1;
    }
    left -= allowed;
    n = static_cast<size_t>(allowed);
  }
  return ::write(fd, data, n);
}

[[noreturn]] void fail(const std::string& path, const std::string& tmp, int fd, int err) {
  if (fd >= 0) ::close(fd);
  std::remove(tmp.c_str());
  throw InputError("cannot write '" + path + "'" + (err == ENOSPC || err == EDQUOT ? " (disk full?)" : "") +
                   ": " + std::strerror(err));
}

}  // namespace

void ensure_output_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError("output folder '" + dir + "' cannot be created: " + ec.message());
  const std::string probe = dir + "/.tangentscope-write-test";
  {
    std::ofstream f(probe);
    if (!f) throw InputError("output folder '" + dir + "' is not writable: " + std::strerror(errno));
  }
  std::remove(probe.c_str());
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  if (dist::world().rank() != 0) return;  // rank 0 writes the outputs of a run over several ranks
  const std::string tmp = path + ".partial";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError("cannot write '" + path + "': " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = checked_write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail(path, tmp, fd, errno);
    }
    done += static_cast<size_t>(w);
  }
  // The data must be on disk before the rename publishes it (else a crash can leave an empty file).
  if (::fsync(fd) != 0 && errno != EINVAL) fail(path, tmp, fd, errno);
  if (::close(fd) != 0) fail(path, tmp, -1, errno);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(path, tmp, -1, errno);
}

void write_text_file(const std::string& path, const std::string& text) { write_file_atomic(path, text); }

namespace {
const char* kManifest = ".tangentscope-run";

std::vector<std::string> read_manifest(const std::string& dir) {
  std::vector<std::string> names;
  std::ifstream f(dir + "/" + kManifest);
  for (std::string line; std::getline(f, line);)
    if (!line.empty() && line.find('/') == std::string::npos && line != kManifest) names.push_back(line);
  return names;
}
}  // namespace

OutputFolder::OutputFolder(std::string dir) : dir_(std::move(dir)) {
  if (dir_.empty()) return;
  ensure_output_dir(dir_);
  staging_ = dir_ + "/.tangentscope-staging-" + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::remove_all(staging_, ec);
  std::filesystem::create_directory(staging_, ec);
  if (ec) throw InputError("output folder '" + dir_ + "': cannot create a staging folder: " + ec.message());
}

OutputFolder::~OutputFolder() {
  if (staging_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(staging_, ec);  // nothing of a failed or cancelled run stays behind
}

std::string OutputFolder::path(const std::string& name) {
  if (std::find(names_.begin(), names_.end(), name) == names_.end()) names_.push_back(name);
  return staging_ + "/" + name;
}

void OutputFolder::write_text(const std::string& name, const std::string& text) {
  write_file_atomic(path(name), text);
}

void OutputFolder::commit() {
  if (!enabled() || committed_) return;
  if (dist::world().rank() != 0) return;  // only rank 0 publishes; this rank's staging folder goes
  // Files of the earlier run that this one does not write would make a mismatched set: remove them first.
  for (const auto& old : read_manifest(dir_))
    if (std::find(names_.begin(), names_.end(), old) == names_.end()) std::remove(final_path(old).c_str());
  std::remove((dir_ + "/" + kManifest).c_str());
  for (const auto& name : names_) {
    const std::string from = staging_ + "/" + name;
    if (std::rename(from.c_str(), final_path(name).c_str()) != 0)
      throw InputError("cannot publish '" + final_path(name) + "': " + std::strerror(errno));
  }
  std::string manifest;
  for (const auto& name : names_) manifest += name + "\n";
  write_file_atomic(dir_ + "/" + kManifest, manifest);
  committed_ = true;
}

}  // namespace ts
