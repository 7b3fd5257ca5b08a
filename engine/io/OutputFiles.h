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
/// write_file_atomic for text.
void write_text_file(const std::string& path, const std::string& text);

/// The files of one run, published together. They are written into a hidden staging folder inside `dir`
/// (`.tangentscope-staging-PID`) and moved into `dir` by commit(); a run that fails or is cancelled before
/// then leaves `dir` as it was (its staging folder is removed), so earlier results are never mixed with a
/// half run. A manifest (`.tangentscope-run`, written last) lists the run's files: at commit, the files an
/// earlier run listed and this one does not write are removed, and files TangentScope did not write are never
/// touched.
class OutputFolder {
 public:
  /// Creates `dir` if needed and checks it is writable (before any work). An empty `dir` writes nothing.
  explicit OutputFolder(std::string dir);
  ~OutputFolder();  ///< removes the staging folder unless committed; never throws
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;

  bool enabled() const { return !dir_.empty(); }
  /// Where to write the file `name` now (in the staging folder); its published path is final_path(name).
  std::string path(const std::string& name);
  std::string final_path(const std::string& name) const { return dir_ + "/" + name; }
  /// Writes text to `name` in the staging folder (atomically).
  void write_text(const std::string& name, const std::string& text);
  /// Publishes every staged file into `dir`, then the manifest.
  void commit();

 private:
  std::string dir_, staging_;
  std::vector<std::string> names_;
  bool committed_ = false;
};

}  // namespace ts
