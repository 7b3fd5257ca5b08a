#include "OutputFiles.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "Errors.h"

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
  throw InputError("cannot write '" + path + "'" + (err == ENOSPC || err == EDQUOT ? " (disk full?)" : "") + ": " +
                   std::strerror(err));
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

}  // namespace ts
