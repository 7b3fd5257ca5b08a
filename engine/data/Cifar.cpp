// CIFAR-10 and CIFAR-100 in their binary versions (cifar-10-binary.tar.gz, cifar-100-binary.tar.gz): files of
// fixed-size records, each one or two label bytes then 3,072 pixel bytes (the 32×32 red plane, then green,
// then blue, each row by row), so a record's pixels are already a [3, 32, 32] image.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/Errors.h"
#include "core/FileChecks.h"
#include "core/Numbers.h"
#include "data/Data.h"

namespace ts {

namespace {

constexpr int64_t kPixels = 3 * 32 * 32;

struct CifarFormat {
  std::string name;            // "CIFAR-10"
  int64_t label_bytes;         // 1 (CIFAR-10) or 2 (CIFAR-100: coarse, then fine)
  int64_t label_index;         // which label byte is the label
  std::vector<int64_t> limit;  // classes of each label byte
};

int64_t file_size(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return -1;
  reject_special_file(path, "file '" + path + "'");
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  return f ? static_cast<int64_t>(f.tellg()) : -1;
}

// The class names in `path` (one a line, blank lines skipped), or "0".."classes−1" when there is no such
// file.
std::vector<std::string> class_names(const std::string& path, int64_t classes, const std::string& name) {
  std::vector<std::string> names;
  const int64_t size = file_size(path);
  if (size < 0) {
    for (int64_t c = 0; c < classes; ++c) names.push_back(std::to_string(c));
    return names;
  }
  if (size > (int64_t(1) << 20))
    throw InputError(name + " class-name file '" + path +
                     "' is larger than 1 MiB: not a list of class names");
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    const auto b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b != std::string::npos) names.push_back(line.substr(b, e - b + 1));
  }
  if (static_cast<int64_t>(names.size()) != classes)
    throw InputError(name + " class-name file '" + path + "' has " + std::to_string(names.size()) +
                     " names, expected " + std::to_string(classes) + " (one a line)");
  return names;
}

Dataset read_cifar(const std::vector<std::string>& files, const CifarFormat& format, int64_t memory_budget) {
  const int64_t record = format.label_bytes + kPixels;
  std::vector<int64_t> counts;
  int64_t n = 0;
  for (const auto& path : files) {
    const int64_t size = file_size(path);
    if (size < 0)
      throw InputError(format.name + ": no file '" + path + "' (the binary version, " +
                       (format.label_bytes == 1 ? "cifar-10-binary.tar.gz" : "cifar-100-binary.tar.gz") +
                       ", unpacked; give its folder as " +
                       (format.label_bytes == 1 ? "cifar10" : "cifar100") + ":DIR)");
    if (size == 0 || size % record != 0)
      throw InputError(format.name + " file '" + path + "': " + std::to_string(size) +
                       " bytes is not a whole number of " + std::to_string(record) + "-byte records (" +
                       (size % record != 0 ? "truncated, or" : "empty, or") + " not a " + format.name +
                       " binary batch)");
    counts.push_back(size / record);
    n += size / record;
  }
  const double need = 8.0 * double(n) * double(kPixels);
  if (need > double(memory_budget))
    throw MemoryBudgetError(format.name + ": " + std::to_string(n) + " images need " + format_bytes(need) +
                            " as float64, over the memory budget of " + format_bytes(double(memory_budget)) +
                            " (--memory-budget)");
  at::Tensor pixels = at::empty({n, kPixels}, at::kByte);
  at::Tensor labels = at::empty({n}, at::kLong);
  uint8_t* px = pixels.data_ptr<uint8_t>();
  int64_t* lab = labels.data_ptr<int64_t>();
  const int64_t per_chunk = 1024;
  std::vector<char> buffer(static_cast<size_t>(per_chunk * record));
  int64_t row = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    std::ifstream in(files[f], std::ios::binary);
    for (int64_t done = 0; done < counts[f];) {
      const int64_t k = std::min(per_chunk, counts[f] - done);
      in.read(buffer.data(), static_cast<std::streamsize>(k * record));
      if (in.gcount() != k * record)
        throw InputError(format.name + " file '" + files[f] +
                         "': truncated (the file ended while it was read)");
      for (int64_t r = 0; r < k; ++r) {
        const auto* rec = reinterpret_cast<const uint8_t*>(buffer.data() + r * record);
        for (int64_t b = 0; b < format.label_bytes; ++b)
          if (rec[b] >= format.limit[static_cast<size_t>(b)])
            throw InputError(format.name + " file '" + files[f] + "' record " + std::to_string(done + r + 1) +
                             ": " + (format.label_bytes == 2 ? (b == 0 ? "coarse " : "fine ") : "") +
                             "label " + std::to_string(rec[b]) + " is out of range (0…" +
                             std::to_string(format.limit[static_cast<size_t>(b)] - 1) + ")");
        lab[row] = rec[format.label_index];
        std::copy(rec + format.label_bytes, rec + record, px + row * kPixels);
        ++row;
      }
      done += k;
    }
  }
  Dataset d;
  d.inputs = pixels.to(at::kDouble).div_(255.0).reshape({n, 3, 32, 32});
  d.labels = labels;
  d.image_shape = {3, 32, 32};
  return d;
}

void check_split(const std::string& split, const std::string& name) {
  if (split != "train" && split != "test")
    throw InputError(name + ": split must be train or test, got '" + split + "'");
}

}  // namespace

Dataset load_cifar10(const std::string& dir, const std::string& split, int64_t memory_budget) {
  const std::string name = "CIFAR-10";
  check_split(split, name);
  std::vector<std::string> files;
  if (split == "train")
    for (int b = 1; b <= 5; ++b) files.push_back(dir + "/data_batch_" + std::to_string(b) + ".bin");
  else
    files.push_back(dir + "/test_batch.bin");
  auto names = class_names(dir + "/batches.meta.txt", 10, name);
  Dataset d = read_cifar(files, {name, 1, 0, {10}}, memory_budget);
  d.num_classes = 10;
  d.class_names = std::move(names);
  d.description = name + " " + split + ": " + std::to_string(d.size()) + " images 3×32×32";
  return d;
}

Dataset load_cifar100(const std::string& dir, const std::string& split, const std::string& labels,
                      int64_t memory_budget) {
  const std::string name = "CIFAR-100";
  check_split(split, name);
  if (labels != "fine" && labels != "coarse")
    throw InputError(name + ": labels must be fine or coarse, got '" + labels + "'");
  const bool fine = labels == "fine";
  const int64_t classes = fine ? 100 : 20;
  auto names = class_names(dir + (fine ? "/fine_label_names.txt" : "/coarse_label_names.txt"), classes, name);
  Dataset d = read_cifar({dir + "/" + split + ".bin"}, {name, 2, fine ? 1 : 0, {20, 100}}, memory_budget);
  d.num_classes = classes;
  d.class_names = std::move(names);
  d.description =
      name + " " + split + " (" + labels + " labels): " + std::to_string(d.size()) + " images 3×32×32";
  return d;
}

}  // namespace ts
