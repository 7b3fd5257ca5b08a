#include "io/OutputFiles.h"

#include <fcntl.h>
#include <sys/file.h>
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

namespace {
// Writes `bytes` in full to `path.partial`, flushed to disk; returns that name. On failure the partial file
// is removed and InputError names `path`.
std::string stage_file(const std::string& path, const std::string& bytes) {
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
  return tmp;
}
}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
  if (dist::world().rank() != 0) return;  // rank 0 writes the outputs of a run over several ranks
  const std::string tmp = stage_file(path, bytes);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(path, tmp, -1, errno);
}

namespace {
// The file a path names, for telling two output paths apart (the folder resolved, the file need not exist).
std::string resolved(const std::string& path) {
  std::error_code ec;
  const auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  return ec ? path : p.string();
}
}  // namespace

void check_distinct_outputs(const std::vector<std::string>& paths, const std::vector<std::string>& names) {
  for (size_t i = 0; i < paths.size(); ++i)
    for (size_t j = i + 1; j < paths.size(); ++j)
      if (!paths[i].empty() && !paths[j].empty() && resolved(paths[i]) == resolved(paths[j]))
        throw InputError(names[i] + " and " + names[j] + " name the same file '" + paths[i] +
                         "': give each output its own path");
}

void FileSet::add(const std::string& path, std::string bytes, const std::string& what) {
  for (const auto& f : files_)
    if (resolved(f.path) == resolved(path))
      throw InputError((f.what.empty() ? std::string("two outputs") : f.what) +
                       (what.empty() ? "" : " and " + what) + " name the same file '" + path +
                       "': give each output its own path");
  files_.push_back({path, std::move(bytes), what});
}

std::vector<std::string> FileSet::publish() {
  std::vector<std::string> paths;
  for (const auto& f : files_) paths.push_back(f.path);
  if (dist::world().rank() != 0) return paths;
  // 1. Every file in full beside its final name; any failure removes them all.
  std::vector<std::string> staged;
  try {
    for (const auto& f : files_) staged.push_back(stage_file(f.path, f.bytes));
  } catch (...) {
    for (const auto& t : staged) std::remove(t.c_str());
    throw;
  }
  // 2. Keep each earlier file under a second name (a hard link: no copy), so a failed rename can restore it.
  std::vector<std::string> backups(files_.size());
  for (size_t i = 0; i < files_.size(); ++i) {
    const std::string b = files_[i].path + ".tangentscope-previous";
    std::remove(b.c_str());
    if (::link(files_[i].path.c_str(), b.c_str()) == 0) backups[i] = b;
  }
  // 3. Publish; on a failure put back what was replaced and remove what is new.
  for (size_t i = 0; i < files_.size(); ++i) {
    if (std::rename(staged[i].c_str(), files_[i].path.c_str()) == 0) continue;
    const int err = errno;
    for (size_t j = 0; j < files_.size(); ++j) {
      if (j < i) {
        if (!backups[j].empty())
          std::rename(backups[j].c_str(), files_[j].path.c_str());
        else
          std::remove(files_[j].path.c_str());
      } else {
        std::remove(staged[j].c_str());
      }
    }
    for (const auto& b : backups)
      if (!b.empty()) std::remove(b.c_str());
    throw InputError("cannot write '" + files_[i].path + "': " + std::strerror(err) +
                     " (no file of this output was changed)");
  }
  for (const auto& b : backups)
    if (!b.empty()) std::remove(b.c_str());
  return paths;
}

void write_text_file(const std::string& path, const std::string& text) { write_file_atomic(path, text); }

void set_disk_free_fault(long long bytes) { fault_budget() = bytes; }

namespace {
const char* kManifest = ".tangentscope-run";
const char* kLock = ".tangentscope-lock";

std::vector<std::string> read_manifest(const std::string& dir) {
  std::vector<std::string> names;
  std::ifstream f(dir + "/" + kManifest);
  for (std::string line; std::getline(f, line);)
    if (!line.empty() && line.find('/') == std::string::npos && line != kManifest && line != kLock)
      names.push_back(line);
  return names;
}
}  // namespace

OutputFolder::OutputFolder(std::string dir, bool replace_earlier)
    : dir_(std::move(dir)), replace_earlier_(replace_earlier) {
  if (dir_.empty()) return;
  ensure_output_dir(dir_);
  if (dist::world().rank() == 0) {
    // One run per folder: the lock goes with the process, so a run that dies never leaves the folder locked.
    const std::string lock = dir_ + "/" + kLock;
    lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0)
      throw InputError("output folder '" + dir_ + "' cannot be locked: " + std::strerror(errno));
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(lock_fd_);
      lock_fd_ = -1;
      if (err == EWOULDBLOCK)
        throw InputError(
            "output folder '" + dir_ +
            "' is in use by another run that is still writing into it: wait for it to finish, or "
            "give another folder");
      throw InputError("output folder '" + dir_ + "' cannot be locked: " + std::strerror(err));
    }
  }
  staging_ = dir_ + "/.tangentscope-staging-" + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::remove_all(staging_, ec);
  std::filesystem::create_directory(staging_, ec);
  if (ec) throw InputError("output folder '" + dir_ + "': cannot create a staging folder: " + ec.message());
}

OutputFolder::~OutputFolder() {
  if (!staging_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(staging_, ec);  // nothing of a failed or cancelled run stays behind
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock (the lock file itself stays, empty)
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
  // Files written straight into the staging folder (by writers that take a folder) join the set.
  std::error_code ec;
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::directory_iterator(staging_, ec))
    if (e.is_regular_file(ec)) found.push_back(e.path().filename().string());
  std::sort(found.begin(), found.end());
  for (const auto& name : found)
    if (name != kManifest && std::find(names_.begin(), names_.end(), name) == names_.end())
      names_.push_back(name);
  // The manifest first, still staged: a full disk fails here, before anything is published.
  std::string manifest;
  for (const auto& name : names_) manifest += name + "\n";
  write_file_atomic(staging_ + "/" + kManifest, manifest);
  // Publish, keeping each earlier file under a second name (a hard link) until all are in place.
  std::vector<std::string> backups(names_.size());
  for (size_t i = 0; i < names_.size(); ++i) {
    const std::string b = staging_ + "/.previous." + names_[i];
    if (::link(final_path(names_[i]).c_str(), b.c_str()) == 0) backups[i] = b;
  }
  for (size_t i = 0; i < names_.size(); ++i) {
    const std::string from = staging_ + "/" + names_[i];
    if (std::rename(from.c_str(), final_path(names_[i]).c_str()) == 0) continue;
    const int err = errno;
    for (size_t j = 0; j < i; ++j)  // put the earlier set back
      if (!backups[j].empty())
        std::rename(backups[j].c_str(), final_path(names_[j]).c_str());
      else
        std::remove(final_path(names_[j]).c_str());
    throw InputError("cannot publish '" + final_path(names_[i]) + "': " + std::strerror(err) +
                     " (the folder keeps its earlier files)");
  }
  // Files of the earlier run that this one does not write would make a mismatched set: they go.
  if (replace_earlier_) {
    for (const auto& old : read_manifest(dir_))
      if (std::find(names_.begin(), names_.end(), old) == names_.end()) std::remove(final_path(old).c_str());
    std::rename((staging_ + "/" + kManifest).c_str(), (dir_ + "/" + kManifest).c_str());
  }
  committed_ = true;
}

}  // namespace ts
