#pragma once
// Writing results: never a half-written file under the real name, and a clear error when a path cannot be written.
#include <string>

namespace ts {

/// Creates `dir` (and parents) and checks that a file can be written in it; throws InputError naming it if not.
void ensure_output_dir(const std::string& dir);
/// Writes `text` to `path` through `path.partial` and a rename; throws InputError naming the path on failure
/// (the partial file is removed).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace ts
