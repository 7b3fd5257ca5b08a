#pragma once
// Numbers as text in the C locale whatever the process's locale: the desktop app runs under the user's locale
// (QApplication sets it from the environment), where printf and strtod would write and read decimal commas.
#include <cstdint>
#include <string>
#include <string_view>

namespace ts {

/// v with `significant` digits (0: the shortest text that reads back to the same double), '.' as the decimal
/// point; "nan", "inf", "-inf" for non-finite values.
std::string format_number(double v, int significant = 0);
/// v with `decimals` digits after the point.
std::string format_fixed(double v, int decimals);
/// v ± err as a measurement is written: err to two significant digits and v to the same decimal place
/// ("5094.746 ± 16.6" → "5095 ± 17", "0.994123 ± 0.00031" → "0.99412 ± 0.00031"); beyond 10⁶ or below 10⁻³
/// in magnitude with a shared power of ten ("(1.2346 ± 0.0045)e+08"). Without a finite err > 0: v to
/// `significant` digits.
std::string format_uncertain(double v, double err, int significant = 6);
/// A size in bytes for messages: "1.50 GiB", "12.0 MiB", "3.0 KiB".
std::string format_bytes(double bytes);
/// Reads a memory size: a positive number (C locale) and an optional unit K/k/KiB, M/MiB or G/GiB, a space
/// between allowed ("512M", "4G", "4.00 GiB" as format_bytes writes it); throws InputError naming `what`.
int64_t parse_memory_size(const std::string& text, const std::string& what);
/// Reads a seed: an integer from 0 to 2^64 − 1, exactly (no sign, no spaces); false otherwise.
bool parse_seed(const std::string& text, uint64_t* out);
/// Reads the whole of `text` (an optional leading '+' allowed) as a number; false if it is not one.
bool parse_number(std::string_view text, double* out);

}  // namespace ts
