#include "core/Numbers.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include "core/Errors.h"

namespace ts {

namespace {
std::string non_finite(double v) { return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"; }
}  // namespace

std::string format_number(double v, int significant) {
  if (!std::isfinite(v)) return non_finite(v);
  char buf[64];
  const auto r = significant > 0
                     ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, significant)
                     : std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string format_fixed(double v, int decimals) {
  if (!std::isfinite(v)) return non_finite(v);
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (r.ec != std::errc()) return format_number(v, decimals + 1);
  return std::string(buf, r.ptr);
}

std::string format_uncertain(double v, double err, int significant) {
  if (!std::isfinite(v)) return non_finite(v);
  if (!(std::isfinite(err) && err > 0)) return format_number(v, significant);
  const double mag = std::fabs(v);
  int shift = 0;  // a shared power of ten for very large or very small values
  if (mag >= 1e6 || (mag > 0 && mag < 1e-3)) shift = static_cast<int>(std::floor(std::log10(mag)));
  const double scale = std::pow(10.0, -shift);
  const double vs = v * scale, es = err * scale;
  // The decimal place of err's second significant digit, after rounding (9.96 rounds to 10, one place less).
  int place = static_cast<int>(std::floor(std::log10(es))) - 1;
  if (std::round(es / std::pow(10.0, place)) >= 100) ++place;
  std::string text;
  if (place < 0) {
    text = format_fixed(vs, -place) + " ± " + format_fixed(es, -place);
  } else {
    const double unit = std::pow(10.0, place);
    text =
        format_fixed(std::round(vs / unit) * unit, 0) + " ± " + format_fixed(std::round(es / unit) * unit, 0);
  }
  if (shift == 0) return text;
  return "(" + text + ")e" + (shift < 0 ? "-" : "+") + (std::abs(shift) < 10 ? "0" : "") +
         std::to_string(std::abs(shift));
}

std::string format_bytes(double b) {
  if (b >= 1024.0 * 1024 * 1024) return format_fixed(b / (1024.0 * 1024 * 1024), 2) + " GiB";
  if (b >= 1024.0 * 1024) return format_fixed(b / (1024.0 * 1024), 1) + " MiB";
  return format_fixed(b / 1024.0, 1) + " KiB";
}

int64_t parse_memory_size(const std::string& text, const std::string& what) {
  // The number is the leading run of digits, signs and points, with an exponent if one follows ("1e9"; the E
  // of "16E" is a unit, and refused).
  size_t split = text.find_first_not_of("+-0123456789.");
  if (split != std::string::npos && (text[split] == 'e' || text[split] == 'E') && split + 1 < text.size() &&
      (std::isdigit(static_cast<unsigned char>(text[split + 1])) || text[split + 1] == '-' ||
       text[split + 1] == '+'))
    split = text.find_first_not_of("0123456789", split + 2);
  std::string number = text.substr(0, split), unit = split == std::string::npos ? "" : text.substr(split);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  double v = 0;
  if (number.empty() || !parse_number(number, &v) || !(v > 0) || !std::isfinite(v))
    throw InputError(what + ": '" + text + "' is not a positive size like 512M or 4G");
  double mult = 1;
  if (unit == "K" || unit == "KiB" || unit == "k")
    mult = 1024.0;
  else if (unit == "M" || unit == "MiB")
    mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "GiB")
    mult = 1024.0 * 1024 * 1024;
  else if (!unit.empty())
    throw InputError(what + ": '" + text + "' is not a size like 512M or 4G");
  // Sizes are held in 64-bit signed integers: refuse what would wrap to a negative budget.
  if (v * mult >= 9.2e18) throw InputError(what + ": '" + text + "' is too large (at most 8E, 2^63 bytes)");
  if (v * mult < 1) throw InputError(what + ": '" + text + "' is less than one byte");
  return static_cast<int64_t>(v * mult);
}

bool parse_seed(const std::string& text, uint64_t* out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

bool parse_number(std::string_view text, double* out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+' || (text.front() == '-' && text.size() > 1 && text[1] == '+'))
    return false;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

}  // namespace ts
