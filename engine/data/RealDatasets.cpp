// Real data sets read from disk: IDX files (MNIST, Fashion-MNIST; plain or gzip) and scikit-learn's digits.
// zlib's gz* functions read compressed and uncompressed files alike.
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/Errors.h"
#include "core/FileChecks.h"
#include "core/Numbers.h"
#include "data/Data.h"

namespace ts {

namespace {

// The whole (decompressed) content of a file.
std::string read_all(const std::string& path, const std::string& what) {
  reject_special_file(path, what + " '" + path + "'");
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) throw InputError(what + " '" + path + "': file not found or not readable");
  }
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw InputError(what + " '" + path + "': cannot be opened");
  std::string out;
  char buf[1 << 16];
  int got = 0;
  const size_t kMax = size_t(256) << 20;  // the files read whole are small text files (digits: 0.5 MB)
  while ((got = gzread(f, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(got));
    if (out.size() > kMax) {
      gzclose(f);
      throw InputError(what + " '" + path + "' unpacks to more than 256 MiB: not a file of this kind");
    }
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  const bool failed = got < 0 || (err != Z_OK && err != Z_STREAM_END);
  const std::string reason = failed && msg ? msg : "";
  gzclose(f);
  if (failed)
    throw InputError(what + " '" + path + "': corrupt or truncated compressed data (" + reason + ")");
  return out;
}

uint32_t big_endian(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

std::string existing(const std::string& base) {
  for (const std::string& p : {base, base + ".gz"}) {
    std::error_code ec;  // by its status, not by opening it: opening a FIFO would block
    if (std::filesystem::exists(p, ec)) return p;
  }
  return base;  // read_all reports it missing, by its plain name
}

}  // namespace

at::Tensor read_idx(const std::string& path) {
  reject_special_file(path, "IDX file '" + path + "'");
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) throw InputError("IDX file '" + path + "': file not found or not readable");
  }
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw InputError("IDX file '" + path + "': cannot be opened");
  struct Closer {
    gzFile f;
    ~Closer() { gzclose(f); }
  } closer{f};
  // Read exactly n bytes (plain or gzip); false at the end of the data. A corrupt stream is an error.
  auto read = [&](void* into, size_t n) {
    size_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, size_t(1) << 30));
      const int got = gzread(f, static_cast<char*>(into) + done, chunk);
      if (got < 0) {
        int err = 0;
        const char* msg = gzerror(f, &err);
        throw InputError("IDX file '" + path + "': corrupt or truncated compressed data (" +
                         (msg ? msg : "") + ")");
      }
      if (got == 0) return done;
      done += static_cast<size_t>(got);
    }
    return done;
  };
  std::string head(4, '\0');
  const size_t got_magic = read(head.data(), 4);
  if (got_magic < 4)
    throw InputError("IDX file '" + path + "': too short for an IDX header (" + std::to_string(got_magic) +
                     " bytes)");
  const uint32_t magic = big_endian(head, 0);
  const uint32_t type = (magic >> 8) & 0xff, dims = magic & 0xff;
  if ((magic >> 16) != 0 || type != 0x08 || dims < 1 || dims > 4)
    throw InputError("IDX file '" + path + "': wrong magic number 0x" + [&] {
      char b[16];
      std::snprintf(b, sizeof b, "%08x", magic);
      return std::string(b);
    }() + " (expected 0x00000801 … 0x00000804, unsigned bytes)");
  std::string sizes(4 * size_t(dims), '\0');
  if (read(sizes.data(), sizes.size()) < sizes.size())
    throw InputError("IDX file '" + path + "': header truncated");
  // The sizes are checked before anything is allocated: their product must not wrap, and must be a size a
  // data set of this tool can have (a small gzip file may announce, or unpack to, gigabytes).
  const uint64_t kMaxValues = uint64_t(1) << 31;  // 2 GiB of pixels: far above MNIST (47 MB)
  std::vector<int64_t> shape;
  uint64_t count = 1;
  for (uint32_t i = 0; i < dims; ++i) {
    const uint32_t s = big_endian(sizes, 4 * i);
    shape.push_back(s);
    if (__builtin_mul_overflow(count, uint64_t(s), &count) || count > kMaxValues)
      throw InputError("IDX file '" + path + "': the header announces more than 2^31 values (" + [&] {
        std::string t;
        for (uint32_t j = 0; j < dims; ++j) t += (j ? " × " : "") + std::to_string(big_endian(sizes, 4 * j));
        return t;
      }() + "); not a data set this tool reads");
  }
  if (shape[0] == 0) throw InputError("IDX file '" + path + "' holds no samples (its first size is 0)");
  at::Tensor t = at::empty(shape, at::kByte);
  const size_t got = read(t.data_ptr<uint8_t>(), count);
  char extra = 0;
  if (got != count || read(&extra, 1) != 0)
    throw InputError("IDX file '" + path + "': the header announces " + std::to_string(count) +
                     " values but the file holds " +
                     (got < count ? std::to_string(got) + " (truncated)" : "more (trailing bytes)"));
  return t;
}

Dataset load_idx_pair(const std::string& dir, const std::string& split,
                      const std::vector<std::string>& class_names, const std::string& name) {
  if (split != "train" && split != "test")
    throw InputError(name + ": split must be train or test, got '" + split + "'");
  const std::string prefix = dir + "/" + (split == "train" ? "train" : "t10k");
  const std::string ip = existing(prefix + "-images-idx3-ubyte"),
                    lp = existing(prefix + "-labels-idx1-ubyte");
  std::error_code ec;
  if (!std::filesystem::exists(ip, ec))
    throw InputError(name + ": no image file '" + ip + "' (run scripts/fetch-data " +
                     (name == "MNIST" ? std::string("mnist") : std::string("fashion-mnist")) +
                     ", or give the folder)");
  const at::Tensor images = read_idx(ip), labels = read_idx(lp);
  if (images.dim() != 3) throw InputError(name + " image file '" + ip + "' is not [N, rows, cols]");
  if (labels.dim() != 1) throw InputError(name + " label file '" + lp + "' is not [N]");
  if (images.size(0) != labels.size(0))
    throw InputError(name + ": '" + ip + "' has " + std::to_string(images.size(0)) + " images but '" + lp +
                     "' has " + std::to_string(labels.size(0)) + " labels");
  const int64_t classes = static_cast<int64_t>(class_names.size());
  if (labels.numel() > 0 && labels.max().item<int64_t>() >= classes)
    throw InputError(name + " label file '" + lp + "': label " +
                     std::to_string(labels.max().item<int64_t>()) + " is out of range (0…" +
                     std::to_string(classes - 1) + ")");
  Dataset d;
  d.inputs = images.to(at::kDouble).div_(255.0).unsqueeze(1);
  d.labels = labels.to(at::kLong);
  d.num_classes = classes;
  d.class_names = class_names;
  d.image_shape = {1, images.size(1), images.size(2)};
  d.description = name + " " + split + ": " + std::to_string(images.size(0)) + " images " +
                  std::to_string(images.size(1)) + "×" + std::to_string(images.size(2));
  return d;
}

Dataset load_digits(const std::string& path) {
  const std::string text = read_all(path, "digits file");
  std::stringstream ss(text);
  std::string line;
  std::vector<double> pixels;
  std::vector<int64_t> labels;
  size_t line_no = 0;
  while (std::getline(ss, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::stringstream row(line);
    std::string cell;
    std::vector<double> values;
    while (std::getline(row, cell, ',')) {
      double v = 0;
      if (!parse_number(cell, &v))
        throw InputError("digits file '" + path + "' line " + std::to_string(line_no) + ": '" + cell +
                         "' is not a number");
      values.push_back(v);
    }
    if (values.size() != 65)
      throw InputError("digits file '" + path + "' line " + std::to_string(line_no) + " has " +
                       std::to_string(values.size()) + " values, expected 64 pixels and a label");
    const double label = values.back();
    if (label < 0 || label > 9 || label != static_cast<int64_t>(label))
      throw InputError("digits file '" + path + "' line " + std::to_string(line_no) + ": label " +
                       std::to_string(label) + " is not 0…9");
    for (int i = 0; i < 64; ++i) {
      if (values[i] < 0 || values[i] > 16)
        throw InputError("digits file '" + path + "' line " + std::to_string(line_no) +
                         ": pixel out of 0…16");
      pixels.push_back(values[i] / 16.0);
    }
    labels.push_back(static_cast<int64_t>(label));
  }
  if (labels.empty()) throw InputError("digits file '" + path + "' has no rows");
  const int64_t n = static_cast<int64_t>(labels.size());
  Dataset d;
  d.inputs = at::tensor(pixels, at::kDouble).reshape({n, 1, 8, 8});
  d.labels = at::tensor(labels, at::kLong);
  d.num_classes = 10;
  for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
  d.image_shape = {1, 8, 8};
  d.description = "scikit-learn digits: " + std::to_string(n) + " images 8×8";
  return d;
}

}  // namespace ts
