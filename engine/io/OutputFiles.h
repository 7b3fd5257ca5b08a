#pragma once
// Writing results: never a half-written file under the real name, and a clear error when a path cannot be
// written.
#include <string>
#include <vector>

namespace ts {

/// Creates `dir` (and parents) and checks that a file can be written in it; throws InputError naming it if
/// not.
void ensure_output_dir(const std::string& dir);
/// Writes `bytes` to `path` atomically: into `path.partial`, every write and the close checked, flushed to
/// disk, then renamed over `path`. On any failure the partial file is removed, an earlier `path` is left as
/// it was, and InputError names the path and the reason ("disk full?" for ENOSPC). For tests, the environment
/// variable TS_FAULT_DISK_FREE=N makes the process behave as if N bytes were free. Under several ranks only
/// rank 0 writes (the others compute the same result).
void write_file_atomic(const std::string& path, const std::string& bytes);
/// For tests: from now on behave as if `bytes` were free on the disk (-1: no limit), as TS_FAULT_DISK_FREE
/// does from the start of the process.
void set_disk_free_fault(long long bytes);
/// write_file_atomic for text.
void write_text_file(const std::string& path, const std::string& text);

/// Several files published as one set (a run's --out, --factor-out and --eig-out files, an export): every
/// file is first written in full beside its final name (PATH.partial, checked and flushed), and only when all
/// are written are they renamed into place. If any write fails, every partial file is removed and no earlier
/// file is touched; if a rename fails, the files already replaced are put back. Two entries with one path are
/// refused when added. Under several ranks only rank 0 writes.
class FileSet {
 public:
  /// Adds a file; `what` names where the path came from (an option) for the message when two entries meet.
  void add(const std::string& path, std::string bytes, const std::string& what = "");
  bool empty() const { return files_.empty(); }
  /// Writes and publishes every file; returns their paths in the order added. Throws InputError (naming
  /// the path and "disk full?" where it applies) with nothing published.
  std::vector<std::string> publish();

 private:
  struct Entry {
    std::string path, bytes, what;
  };
  std::vector<Entry> files_;
};

/// Refuses (InputError naming the options and the path) when two of `paths` name the same file, after
/// following `.`/`..` and symbolic links; empty paths are skipped. `names` are the options they came from.
void check_distinct_outputs(const std::vector<std::string>& paths, const std::vector<std::string>& names);

/// The files of one run, published together. They are written into a hidden staging folder inside `dir`
/// (`.tangentscope-staging-PID`) and moved into `dir` by commit(); a run that fails or is cancelled before
/// then leaves `dir` as it was (its staging folder is removed), so earlier results are never mixed with a
/// half run. A manifest (`.tangentscope-run`, written last) lists the run's files: at commit, the files an
/// earlier run listed and this one does not write are removed, and files TangentScope did not write are never
/// touched. While the folder object lives it holds a lock on `dir` (`.tangentscope-lock`, flock): a second
/// run given the same folder is refused at once instead of mixing its files with the first's.
class OutputFolder {
 public:
  /// Creates `dir` if needed, checks it is writable and takes its lock (before any work). An empty `dir`
  /// writes nothing.
  /// With `replace_earlier` false, files of an earlier run that this one does not write are kept (a partial
  /// export into a folder that holds a full one).
  explicit OutputFolder(std::string dir, bool replace_earlier = true);
  ~OutputFolder();  ///< removes the staging folder unless committed; never throws
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;

  bool enabled() const { return !dir_.empty(); }
  /// Where to write the file `name` now (in the staging folder); its published path is final_path(name).
  std::string path(const std::string& name);
  std::string final_path(const std::string& name) const { return dir_ + "/" + name; }
  /// Writes text to `name` in the staging folder (atomically).
  void write_text(const std::string& name, const std::string& text);
  /// Publishes every staged file into `dir`, then the manifest. Files written into the staging folder
  /// without path() (by code that only knows the folder, staging_dir()) are published too.
  void commit();
  /// The staging folder itself, for writers that take a folder.
  const std::string& staging_dir() const { return staging_; }

 private:
  std::string dir_, staging_;
  int lock_fd_ = -1;
  bool replace_earlier_ = true;
  std::vector<std::string> names_;
  bool committed_ = false;
};

}  // namespace ts
