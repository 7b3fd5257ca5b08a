#pragma once
// Waiting for files to appear in folders without a busy poll: inotify on Linux, a plain timed wait
// elsewhere.
#include <string>
#include <vector>

namespace ts {

class FolderWatch {
 public:
  FolderWatch();
  ~FolderWatch();
  FolderWatch(const FolderWatch&) = delete;
  FolderWatch& operator=(const FolderWatch&) = delete;

  /// Watches `dir` for files created, written or renamed into it (again: nothing). A folder that does not
  /// exist yet is skipped; add it again once it does.
  void add(const std::string& dir);
  /// Waits up to `timeout_ms` for an event in a watched folder; true when one came (and drains the
  /// rest), false on timeout. Without inotify it sleeps `timeout_ms` and returns true.
  bool wait(int timeout_ms);

 private:
  int fd_ = -1;
  std::vector<std::string> dirs_;
};

}  // namespace ts
