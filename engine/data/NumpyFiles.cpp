// NumPy's .npy format (numpy.lib.format): the magic "\x93NUMPY", a version, the length of the header, a
// Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)} padded with spaces and a newline,
// then the values, raw. .npz archives are zip files of .npy members (ZipArchive).
#include "data/NumpyFiles.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <type_traits>

#include "core/Errors.h"
#include "core/FileChecks.h"
#include "core/Numbers.h"
#include "data/ByteStream.h"
#include "data/ZipArchive.h"
#include "io/Spec.h"

namespace ts {

namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// NumPy itself refuses headers over 10,000 bytes by default (max_header_size); plain dtypes need about 128.
constexpr uint64_t kMaxHeader = uint64_t(1) << 20;
constexpr int64_t kMaxClasses = 10000;

enum class Kind { Bool, Int, UInt, Float };

struct Dtype {
  Kind kind = Kind::Float;
  size_t itemsize = 8;
  bool swap = false;  // the bytes are in the other order than this machine's
};

struct Header {
  Dtype dtype;
  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
};

// The header for an error message: printable ASCII, at most 200 characters.
std::string quoted(const std::string& text) {
  std::string out;
  for (char c : text.substr(0, 200)) {
    if (c == '\n')
      out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      out += '?';
    else
      out += c;
  }
  return "'" + out + (text.size() > 200 ? "…'" : "'");
}

constexpr bool host_is_little() {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return false;
#else
  return true;
#endif
}

// A descr string ("<f4", "|b1", ">u2") as a dtype this reader decodes, or an InputError saying what it is.
Dtype parse_descr(const std::string& descr, const std::string& where) {
  const std::string why = where + ": dtype '" + descr + "' ";
  const std::string supported =
      " (read: bool, int8–int64, uint8–uint64, float16, float32, float64; convert with "
      "x.astype(np.float64) before saving)";
  if (descr.empty() || std::string("<>|=").find(descr[0]) == std::string::npos)
    throw InputError(why + "has no byte order ('<', '>', '|' or '=' first): not a dtype NumPy writes");
  const char order = descr[0];
  const std::string rest = descr.substr(1);
  if (rest.empty()) throw InputError(why + "is not a dtype NumPy writes");
  const char code = rest[0];
  if (code == 'O')
    throw InputError(why + "is an object array (Python objects, pickled): not read" + supported);
  if (code == 'V') throw InputError(why + "is a structured or raw (void) dtype: not read" + supported);
  if (code == 'U' || code == 'S' || code == 'a')
    throw InputError(why + "holds text, not numbers: not read" + supported);
  if (code == 'M' || code == 'm')
    throw InputError(why + "holds dates or time spans, not numbers: not read" + supported);
  if (code == 'c') throw InputError(why + "holds complex numbers: not read" + supported);
  const std::string digits = rest.substr(1);
  if (digits.empty() || digits.size() > 2 || digits.find_first_not_of("0123456789") != std::string::npos)
    throw InputError(why + "is not a dtype this reader knows" + supported);
  const size_t size = std::stoul(digits);
  Dtype t;
  t.itemsize = size;
  bool known = false;
  switch (code) {
    case 'b':
      t.kind = Kind::Bool;
      known = size == 1;
      break;
    case 'i':
      t.kind = Kind::Int;
      known = size == 1 || size == 2 || size == 4 || size == 8;
      break;
    case 'u':
      t.kind = Kind::UInt;
      known = size == 1 || size == 2 || size == 4 || size == 8;
      break;
    case 'f':
      t.kind = Kind::Float;
      known = size == 2 || size == 4 || size == 8;
      if (size == 12 || size == 16)
        throw InputError(why + "is long double (float96/float128): not read" + supported);
      break;
    default:
      break;
  }
  if (!known) throw InputError(why + "is not a dtype this reader knows" + supported);
  t.swap = (order == '<' && !host_is_little()) || (order == '>' && host_is_little());
  return t;
}

// A strict reader of the header dict: Python literals as numpy.lib.format writes them (single- or
// double-quoted strings, True/False, a tuple of integers), nothing else.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& where) : s_(text), where_(where) {}

  Header parse() {
    Header h;
    bool has_descr = false, has_order = false, has_shape = false;
    skip();
    expect('{');
    for (;;) {
      skip();
      if (peek() == '}') {
        ++i_;
        break;
      }
      const std::string key = string_literal();
      skip();
      expect(':');
      skip();
      if (key == "descr") {
        if (has_descr) fail("'descr' is given twice");
        has_descr = true;
        if (peek() == '[')
          throw InputError(
              where_ +
              ": a structured dtype (named fields, a record array) is not read: save each field as "
              "its own numeric array");
        h.descr = string_literal();
      } else if (key == "fortran_order") {
        if (has_order) fail("'fortran_order' is given twice");
        has_order = true;
        const std::string word = identifier();
        if (word != "True" && word != "False")
          fail("fortran_order must be True or False, not '" + word + "'");
        h.fortran = word == "True";
      } else if (key == "shape") {
        if (has_shape) fail("'shape' is given twice");
        has_shape = true;
        h.shape = tuple();
      } else {
        fail("unexpected key '" + key + "' (a .npy header holds descr, fortran_order and shape)");
      }
      skip();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      skip();
      if (peek() != '}') fail("expected ',' or '}' after the value of '" + key + "'");
    }
    skip();
    if (i_ != s_.size()) fail("text after the closing '}'");
    if (!has_descr) fail("no 'descr'");
    if (!has_order) fail("no 'fortran_order'");
    if (!has_shape) fail("no 'shape'");
    h.dtype = parse_descr(h.descr, where_);
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(where_ + ": bad header (" + problem + "): " + quoted(s_));
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  std::string string_literal() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    const size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) fail("a string is not closed");
    std::string v = s_.substr(i_ + 1, end - i_ - 1);
    if (v.find('\\') != std::string::npos || v.find('\n') != std::string::npos) fail("an escape in a string");
    i_ = end + 1;
    return v;
  }
  std::string identifier() {
    const size_t b = i_;
    while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_]))) ++i_;
    return s_.substr(b, i_ - b);
  }
  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> out;
    for (;;) {
      skip();
      if (peek() == ')') {
        ++i_;
        return out;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("a shape holds non-negative integers");
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (v > (int64_t(1) << 53)) fail("a dimension above 2^53");
        v = v * 10 + (s_[i_++] - '0');
      }
      if (peek() == 'L') ++i_;  // Python 2's long integers, in files it wrote
      out.push_back(v);
      if (out.size() > 64) fail("more than 64 dimensions");
      skip();
      if (peek() == ',')
        ++i_;
      else if (peek() != ')')
        fail("expected ',' or ')' in the shape");
    }
  }

  const std::string& s_;
  const std::string& where_;
  size_t i_ = 0;
};

uint16_t le16(const char* p) { return static_cast<uint16_t>(uint8_t(p[0]) | (uint16_t(uint8_t(p[1])) << 8)); }
uint32_t le32(const char* p) { return le16(p) | (uint32_t(le16(p + 2)) << 16); }

double half_to_double(uint16_t h) {
  const int sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  double v;
  if (exponent == 0)
    v = std::ldexp(double(mantissa), -24);  // zero or subnormal
  else if (exponent == 31)
    v = mantissa ? std::nan("") : INFINITY;
  else
    v = std::ldexp(double(mantissa | 0x400), exponent - 25);
  return sign ? -v : v;
}

template <class T>
T load(const char* p, bool swap) {
  char b[sizeof(T)];
  std::memcpy(b, p, sizeof(T));
  if (swap) std::reverse(b, b + sizeof(T));
  T v;
  std::memcpy(&v, b, sizeof(T));
  return v;
}

template <class T>
void decode_as(const char* raw, size_t count, bool swap, double* out) {
  for (size_t i = 0; i < count; ++i) out[i] = static_cast<double>(load<T>(raw + i * sizeof(T), swap));
}

// `count` values of `t` from `raw` as float64.
void decode(const Dtype& t, const char* raw, size_t count, double* out) {
  switch (t.kind) {
    case Kind::Bool:
      for (size_t i = 0; i < count; ++i) out[i] = raw[i] != 0 ? 1.0 : 0.0;
      return;
    case Kind::Int:
      if (t.itemsize == 1) return decode_as<int8_t>(raw, count, false, out);
      if (t.itemsize == 2) return decode_as<int16_t>(raw, count, t.swap, out);
      if (t.itemsize == 4) return decode_as<int32_t>(raw, count, t.swap, out);
      return decode_as<int64_t>(raw, count, t.swap, out);
    case Kind::UInt:
      if (t.itemsize == 1) return decode_as<uint8_t>(raw, count, false, out);
      if (t.itemsize == 2) return decode_as<uint16_t>(raw, count, t.swap, out);
      if (t.itemsize == 4) return decode_as<uint32_t>(raw, count, t.swap, out);
      return decode_as<uint64_t>(raw, count, t.swap, out);
    case Kind::Float:
      if (t.itemsize == 2) {
        for (size_t i = 0; i < count; ++i) out[i] = half_to_double(load<uint16_t>(raw + 2 * i, t.swap));
        return;
      }
      if (t.itemsize == 4) return decode_as<float>(raw, count, t.swap, out);
      return decode_as<double>(raw, count, t.swap, out);
  }
}

template <class T>
void decode_int_as(const char* raw, size_t count, bool swap, int64_t* out, const std::string& where) {
  for (size_t i = 0; i < count; ++i) {
    const T v = load<T>(raw + i * sizeof(T), swap);
    if constexpr (std::is_same_v<T, uint64_t>)
      if (v > uint64_t(INT64_MAX))
        throw InputError(where + ": the value " + std::to_string(v) + " does not fit int64");
    out[i] = static_cast<int64_t>(v);
  }
}

// `count` values of an integer or bool dtype from `raw` as int64, exactly (float64 keeps integers only up to
// 2^53).
void decode_integers(const Dtype& t, const char* raw, size_t count, int64_t* out, const std::string& where) {
  switch (t.kind) {
    case Kind::Bool:
      for (size_t i = 0; i < count; ++i) out[i] = raw[i] != 0 ? 1 : 0;
      return;
    case Kind::Int:
      if (t.itemsize == 1) return decode_int_as<int8_t>(raw, count, false, out, where);
      if (t.itemsize == 2) return decode_int_as<int16_t>(raw, count, t.swap, out, where);
      if (t.itemsize == 4) return decode_int_as<int32_t>(raw, count, t.swap, out, where);
      return decode_int_as<int64_t>(raw, count, t.swap, out, where);
    case Kind::UInt:
      if (t.itemsize == 1) return decode_int_as<uint8_t>(raw, count, false, out, where);
      if (t.itemsize == 2) return decode_int_as<uint16_t>(raw, count, t.swap, out, where);
      if (t.itemsize == 4) return decode_int_as<uint32_t>(raw, count, t.swap, out, where);
      return decode_int_as<uint64_t>(raw, count, t.swap, out, where);
    case Kind::Float:
      break;
  }
}

// A shape as Python writes the tuple: "(12, 4)", "(6,)", "()".
std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

bool has_prefix(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The first bytes of a file, to tell .npy from .npz in messages.
std::string file_start(const std::string& path, size_t n) {
  reject_special_file(path, "file '" + path + "'");
  std::ifstream f(path, std::ios::binary);
  std::string out(n, '\0');
  f.read(out.data(), static_cast<std::streamsize>(n));
  out.resize(static_cast<size_t>(std::max<std::streamsize>(f.gcount(), 0)));
  return out;
}

std::string npy_name(const std::string& path) { return "NumPy file '" + path + "'"; }

}  // namespace

NpyArray read_npy(ByteStream& in, int64_t memory_budget, bool keep_integers) {
  const std::string& where = in.name();
  if (in.size() < kMagicSize + 4)
    throw InputError(where + ": too short for a .npy array (" + std::to_string(in.size()) + " bytes)");
  char prefix[12];
  in.read(prefix, 8);
  if (std::memcmp(prefix, kMagic, kMagicSize) != 0) {
    if (std::memcmp(prefix, "PK\x03\x04", 4) == 0)
      throw InputError(where + ": a zip archive (an .npz file?), not a .npy array: use npz:PATH");
    throw InputError(where + ": not a .npy array (wrong magic: it does not start with \\x93NUMPY)");
  }
  const int major = uint8_t(prefix[6]), minor = uint8_t(prefix[7]);
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    throw InputError(where + ": .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                     " is not one this reader knows (1.0, 2.0, 3.0)");
  const size_t length_bytes = major == 1 ? 2 : 4;
  in.read(prefix + 8, length_bytes);
  const uint64_t header_len = major == 1 ? le16(prefix + 8) : le32(prefix + 8);
  const uint64_t data_offset = 8 + length_bytes + header_len;
  if (header_len > kMaxHeader)
    throw InputError(where + ": a header of " + std::to_string(header_len) +
                     " bytes (more than 1 MiB): not a .npy array this tool reads");
  if (header_len > in.size() - in.position())
    throw InputError(where + ": truncated (the header announces " + std::to_string(header_len) +
                     " bytes, the data holds " + std::to_string(in.size() - in.position()) + ")");
  std::string text(static_cast<size_t>(header_len), '\0');
  in.read(text.data(), text.size());
  const Header h = HeaderParser(text, where).parse();

  // Sizes before any allocation: the product must not wrap, and must match the bytes that are there.
  uint64_t count = 1, bytes = 0;
  for (const int64_t s : h.shape)
    if (__builtin_mul_overflow(count, uint64_t(s), &count))
      throw InputError(where + ": the shape " + shape_text(h.shape) + " announces more than 2^64 values");
  if (__builtin_mul_overflow(count, uint64_t(h.dtype.itemsize), &bytes))
    throw InputError(where + ": the shape " + shape_text(h.shape) + " announces more than 2^64 bytes");
  const uint64_t have = in.size() - data_offset;
  if (bytes != have)
    throw InputError(where + ": the header announces " + shape_text(h.shape) + " × " +
                     std::to_string(h.dtype.itemsize) + " bytes = " + std::to_string(bytes) +
                     " bytes of data, but there are " + std::to_string(have) +
                     (bytes > have ? " (truncated)" : " (trailing bytes)"));
  const double need = 8.0 * static_cast<double>(count);
  if (need > static_cast<double>(memory_budget))
    throw MemoryBudgetError(where + ": " + std::to_string(count) + " values need " + format_bytes(need) +
                            " as float64, over the memory budget of " + format_bytes(double(memory_budget)) +
                            " (--memory-budget)");

  // Fortran order stores the first axis fastest: the reversed shape in C order, then transposed back.
  std::vector<int64_t> stored = h.shape;
  if (h.fortran) std::reverse(stored.begin(), stored.end());
  const bool as_integers = keep_integers && h.dtype.kind != Kind::Float;
  at::Tensor values = at::empty(stored, as_integers ? at::kLong : at::kDouble);
  const size_t per_chunk = (size_t(1) << 20) / h.dtype.itemsize;
  std::vector<char> raw(std::min<uint64_t>(count, per_chunk) * h.dtype.itemsize);
  for (uint64_t done = 0; done < count;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(count - done, per_chunk));
    in.read(raw.data(), n * h.dtype.itemsize);
    if (as_integers)
      decode_integers(h.dtype, raw.data(), n, values.data_ptr<int64_t>() + done, where);
    else
      decode(h.dtype, raw.data(), n, values.data_ptr<double>() + done);
    done += n;
  }
  in.finish();
  if (h.fortran && values.dim() > 1) {
    std::vector<int64_t> order(static_cast<size_t>(values.dim()));
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(order.size() - 1 - i);
    values = values.permute(order).contiguous();
  }
  NpyArray a;
  a.values = values;
  a.descr = h.descr;
  a.integral = h.dtype.kind != Kind::Float;
  return a;
}

NpyArray read_npy_file(const std::string& path, int64_t memory_budget, bool keep_integers) {
  auto in = open_file_stream(path, npy_name(path));
  return read_npy(*in, memory_budget, keep_integers);
}

namespace {

// The key np.load gives a member: its name without ".npy".
std::string key_of(const std::string& member) {
  const size_t n = member.size();
  return n > 4 && member.compare(n - 4, 4, ".npy") == 0 ? member.substr(0, n - 4) : member;
}

std::string key_list(const ZipArchive& zip) {
  std::string out;
  for (const auto& m : zip.members()) out += (out.empty() ? "" : ", ") + key_of(m.name);
  return out.empty() ? "none" : out;
}

ZipArchive open_npz(const std::string& path) {
  if (has_prefix(file_start(path, kMagicSize), kMagic))
    throw InputError("NumPy archive '" + path + "': a .npy array, not an .npz archive: use npy:PATH");
  return ZipArchive(path, "NumPy archive");
}

const ZipMember* find_key(const ZipArchive& zip, const std::string& key) {
  if (const ZipMember* m = zip.find(key + ".npy")) return m;
  return zip.find(key);
}

NpyArray read_member(const ZipArchive& zip, const std::string& key, int64_t memory_budget,
                     bool keep_integers = false) {
  const ZipMember* m = find_key(zip, key);
  if (!m) throw InputError(zip.label() + " has no array '" + key + "' (its arrays: " + key_list(zip) + ")");
  auto in = zip.open(*m);
  return read_npy(*in, memory_budget, keep_integers);
}

// Inputs and optional labels as a data set; `xname` and `yname` name the arrays in errors.
Dataset to_dataset(NpyArray x, const NpyArray* y, const std::string& xname, const std::string& yname) {
  at::Tensor inputs = x.values;
  const std::vector<int64_t> shape = inputs.sizes().vec();
  if (inputs.dim() == 0)
    throw InputError(xname + " holds a single value (shape ()), not an array of samples");
  const int64_t n = inputs.size(0);
  if (n == 0) throw InputError(xname + " holds no samples (shape " + shape_text(shape) + ")");
  if (inputs.numel() == 0)
    throw InputError(xname + ": each sample has no values (shape " + shape_text(shape) + ")");
  if (inputs.dim() == 1) inputs = inputs.unsqueeze(1);
  const at::Tensor finite = at::isfinite(inputs.reshape({n, -1})).all(1);
  if (!finite.all().item<bool>()) {
    const int64_t bad = at::nonzero(finite.logical_not())[0][0].item<int64_t>();
    throw InputError(xname + ": sample " + std::to_string(bad) + " holds NaN or infinite values");
  }
  Dataset d;
  d.inputs = inputs;
  if (inputs.dim() == 4 && (inputs.size(1) == 1 || inputs.size(1) == 3))
    d.image_shape = {inputs.size(1), inputs.size(2), inputs.size(3)};  // [N, C, H, W], as PyTorch takes them
  if (y) {
    const at::Tensor& v = y->values;
    if (!(v.dim() == 1 || (v.dim() == 2 && v.size(1) == 1)))
      throw InputError(yname + ": labels must have shape (N,) or (N, 1), not " + shape_text(v.sizes().vec()));
    if (v.size(0) != n)
      throw InputError(yname + " has " + std::to_string(v.size(0)) + " labels but " + xname + " has " +
                       std::to_string(n) + " samples");
    const at::Tensor flat = v.reshape({-1});
    const double* p = flat.data_ptr<double>();
    double top = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double l = p[i];
      if (!(l >= 0) || l != std::floor(l) || l >= double(kMaxClasses))
        throw InputError(yname + ": label " + format_number(l) + " at index " + std::to_string(i) +
                         (l < 0                   ? " is negative"
                          : !(l == std::floor(l)) ? " is not an integer"
                                                  : " is too large") +
                         ": labels must be class indices 0…C−1, integers from 0 to " +
                         std::to_string(kMaxClasses - 1));
      top = std::max(top, l);
    }
    d.labels = flat.to(at::kLong);
    // Classes are 0…max, as the labels index a model's outputs (a class absent from the file keeps its
    // number).
    d.num_classes = static_cast<int64_t>(top) + 1;
    for (int64_t c = 0; c < d.num_classes; ++c) d.class_names.push_back(std::to_string(c));
  }
  return d;
}

std::string describe(const Dataset& d, const NpyArray& x) {
  std::string s = std::to_string(d.size()) + " inputs of shape [" + shape_to_string(d.input_shape()) + "] (" +
                  x.descr + ")";
  if (d.labels.defined()) s += ", " + std::to_string(d.num_classes) + " classes";
  return s;
}

}  // namespace

std::vector<std::string> npz_keys(const std::string& path) {
  const ZipArchive zip = open_npz(path);
  std::vector<std::string> keys;
  for (const auto& m : zip.members()) keys.push_back(key_of(m.name));
  return keys;
}

NpyArray read_npz_array(const std::string& path, const std::string& key, int64_t memory_budget) {
  return read_member(open_npz(path), key, memory_budget);
}

Dataset load_npy(const std::string& path, const std::string& labels_path, int64_t memory_budget,
                 bool integer_inputs) {
  NpyArray x = read_npy_file(path, memory_budget, integer_inputs);
  NpyArray y;
  if (!labels_path.empty()) y = read_npy_file(labels_path, memory_budget);
  Dataset d = to_dataset(x, labels_path.empty() ? nullptr : &y, npy_name(path), npy_name(labels_path));
  d.description =
      "NumPy " + path + (labels_path.empty() ? "" : " (labels " + labels_path + ")") + ": " + describe(d, x);
  return d;
}

Dataset load_npz(const std::string& path, const std::string& x_key, const std::string& y_key,
                 int64_t memory_budget, bool integer_inputs) {
  const ZipArchive zip = open_npz(path);
  if (zip.members().empty()) throw InputError(zip.label() + " holds no arrays");
  std::string xk = x_key;
  if (xk.empty()) {
    if (find_key(zip, "x"))
      xk = "x";
    else if (zip.members().size() == 1)
      xk = key_of(zip.members()[0].name);
    else
      throw InputError(zip.label() +
                       " has no array 'x': give x=KEY (and y=KEY for labels); its arrays: " + key_list(zip));
  }
  std::string yk = y_key;
  if (yk.empty()) yk = xk != "y" && find_key(zip, "y") ? "y" : "none";
  if (yk == xk) throw InputError(zip.label() + ": x and y name the same array '" + xk + "'");
  NpyArray x = read_member(zip, xk, memory_budget, integer_inputs);
  NpyArray y;
  const bool labelled = yk != "none";
  if (labelled) y = read_member(zip, yk, memory_budget);
  const std::string name = zip.label() + " array '";
  Dataset d = to_dataset(x, labelled ? &y : nullptr, name + xk + "'", name + yk + "'");
  d.description =
      "NumPy archive " + path + " (x=" + xk + (labelled ? ", y=" + yk : "") + "): " + describe(d, x);
  return d;
}

}  // namespace ts
