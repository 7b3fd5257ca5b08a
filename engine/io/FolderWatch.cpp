#include "io/FolderWatch.h"

#include <algorithm>
#include <chrono>
#include <thread>

#if defined(__linux__)
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>
#endif

namespace ts {

FolderWatch::FolderWatch() {
#if defined(__linux__)
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
#endif
}

FolderWatch::~FolderWatch() {
#if defined(__linux__)
  if (fd_ >= 0) ::close(fd_);
#endif
}

void FolderWatch::add(const std::string& dir) {
#if defined(__linux__)
  if (fd_ < 0 || std::find(dirs_.begin(), dirs_.end(), dir) != dirs_.end()) return;
  if (::inotify_add_watch(fd_, dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) >= 0)
    dirs_.push_back(dir);
#else
  (void)dir;
#endif
}

bool FolderWatch::wait(int timeout_ms) {
#if defined(__linux__)
  if (fd_ >= 0) {
    pollfd p{fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, timeout_ms);
    if (n <= 0) return false;  // a timeout, or a signal (the caller checks for cancellation)
    alignas(inotify_event) char buffer[8192];
    while (::read(fd_, buffer, sizeof buffer) > 0) {
    }
    return true;
  }
#endif
  std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
  return true;
}

}  // namespace ts
