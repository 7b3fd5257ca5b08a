#pragma once
// Writing results: never a half-written file under the real name, and a clear error when a path cannot be written.
#include <string>

namespace ts {

/// Creates `dir` (and parents) and checks that a file can be written in it; throws InputError naming it if not.
void ensure_output_dir(const std::string& dir);
/// Writes `bytes` to `path` atomically: into `path.partial`, every write and the close checked, flushed to disk,
/// then renamed over `path`. On any failure the partial file is removed, an earlier `path` is left as it was, and
/// InputError names the path and the reason ("disk full?" for ENOSPC).
/// For tests, the environment variable TS_FAULT_DISK_FREE=N makes the process behave as if N bytes were free.
void write_file_atomic(const std::string& path, const std::string& bytes);
/// write_file_atomic for text.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace ts
