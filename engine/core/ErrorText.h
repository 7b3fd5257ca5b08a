#pragma once
// What the CLI and the app show for an exception: TangentScope's own errors as they are; an allocation that
// failed (std::bad_alloc, LibTorch's "[enforce fail at alloc_cpu.cpp] … not enough memory") as how much it
// needed and how much memory is free, never the allocator's raw words.
#include <cstdint>
#include <exception>
#include <string>

namespace ts {

/// One line for a person: the first line of e.what(), or for a failed allocation "not enough memory: …".
std::string error_text(const std::exception& e);
/// The text up to its first line break (a library message's headline, without its traceback).
std::string first_line(const std::string& s);
/// Memory this machine can still give (MemAvailable of /proc/meminfo), in bytes; -1 when unknown.
int64_t available_memory_bytes();
/// The machine's physical memory (MemTotal), in bytes; -1 when unknown.
int64_t physical_memory_bytes();

}  // namespace ts
