// Folders of images per class, the layout of torchvision's ImageFolder: DIR/CLASS/…/IMAGE.png. Classes are
// the subfolders in sorted order; every image is found from its headers first, so a seeded subset, the
// image size and the memory budget are all settled before any pixel is decoded.
#include <algorithm>
#include <filesystem>

#include "core/Errors.h"
#include "core/Numbers.h"
#include "data/Data.h"
#include "data/ImageFile.h"

namespace ts {

namespace fs = std::filesystem;

namespace {

bool hidden(const fs::path& p) { return !p.filename().empty() && p.filename().string()[0] == '.'; }

bool image_extension(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return e == ".png" || e == ".jpg" || e == ".jpeg";
}

// The image files under `dir` (recursively, hidden entries skipped), sorted; `skipped` counts the others.
std::vector<std::string> images_in(const fs::path& dir, int64_t& skipped) {
  std::vector<std::string> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
  if (ec) throw InputError("image folder '" + dir.string() + "': cannot be listed (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) throw InputError("image folder '" + dir.string() + "': cannot be listed (" + ec.message() + ")");
    if (hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    if (image_extension(it->path()))
      files.push_back(it->path().string());
    else
      ++skipped;
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Dataset load_image_folders(const std::string& dir, const std::string& channels, int64_t n, uint64_t seed,
                           int64_t memory_budget) {
  if (channels != "auto" && channels != "1" && channels != "3")
    throw InputError("image folder '" + dir + "': channels must be auto, 1 or 3, got '" + channels + "'");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError("image folder '" + dir + "': no such folder (give images:DIR, with one subfolder of " +
                     "PNG or JPEG images per class)");
  std::vector<fs::path> classes;
  int64_t loose = 0;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (hidden(e.path())) continue;
    if (e.is_directory())
      classes.push_back(e.path());
    else if (e.is_regular_file() && image_extension(e.path()))
      ++loose;
  }
  if (ec) throw InputError("image folder '" + dir + "': cannot be listed (" + ec.message() + ")");
  std::sort(classes.begin(), classes.end());
  if (classes.empty())
    throw InputError(
        "image folder '" + dir + "' has no class subfolders" +
        (loose > 0 ? " (its " + std::to_string(loose) + " images lie in the folder itself)" : "") +
        ": put each class's images in a subfolder named after it, DIR/CLASS/IMAGE.png");

  std::vector<std::string> files, names;
  std::vector<int64_t> label_of;
  int64_t skipped = 0;
  for (size_t c = 0; c < classes.size(); ++c) {
    const auto found = images_in(classes[c], skipped);
    if (found.empty())
      throw InputError("image folder '" + dir + "': class folder '" + classes[c].filename().string() +
                       "' holds no PNG or JPEG image (.png, .jpg, .jpeg)");
    names.push_back(classes[c].filename().string());
    files.insert(files.end(), found.begin(), found.end());
    label_of.insert(label_of.end(), found.size(), static_cast<int64_t>(c));
  }
  const auto total = static_cast<int64_t>(files.size());

  // The subset is drawn from the labels alone, exactly as subset() would draw it from the decoded set.
  Dataset index;
  index.inputs = at::arange(total, at::kLong).unsqueeze(1);
  index.labels = at::tensor(label_of, at::kLong);
  index.num_classes = static_cast<int64_t>(names.size());
  const at::Tensor chosen = subset(index, n, seed).inputs.reshape({-1}).contiguous();
  const int64_t m = chosen.numel();
  const int64_t* pick = chosen.data_ptr<int64_t>();

  std::vector<ImageInfo> infos;
  int want = channels == "1" ? 1 : 3;
  bool all_grey = true;
  for (int64_t i = 0; i < m; ++i) {
    const std::string& f = files[static_cast<size_t>(pick[i])];
    infos.push_back(read_image_info(f));
    const ImageInfo& a = infos.front();
    const ImageInfo& b = infos.back();
    if (b.width != a.width || b.height != a.height)
      throw InputError("image '" + f + "' is " + std::to_string(b.width) + "×" + std::to_string(b.height) +
                       " pixels but '" + files[static_cast<size_t>(pick[0])] + "' is " +
                       std::to_string(a.width) + "×" + std::to_string(a.height) +
                       ": every image must have the same size (resize them first)");
    all_grey = all_grey && b.channels <= 2;
  }
  if (channels == "auto") want = all_grey ? 1 : 3;
  const int64_t h = infos.front().height, w = infos.front().width;
  const double need = 8.0 * double(m) * double(want) * double(h) * double(w);
  if (need > double(memory_budget))
    throw MemoryBudgetError("image folder '" + dir + "': " + std::to_string(m) + " images of " +
                            std::to_string(want) + "×" + std::to_string(h) + "×" + std::to_string(w) +
                            " need " + format_bytes(need) + " as float64, over the memory budget of " +
                            format_bytes(double(memory_budget)) + " (--memory-budget; n= takes a subset)");

  Dataset d;
  d.inputs = at::empty({m, want, h, w}, at::kDouble);
  for (int64_t i = 0; i < m; ++i) {
    const std::string& f = files[static_cast<size_t>(pick[i])];
    const at::Tensor image = decode_image(f, want);
    if (image.size(1) != h || image.size(2) != w)
      throw InputError("image '" + f + "' changed while it was read (its header said " + std::to_string(w) +
                       "×" + std::to_string(h) + " pixels)");
    d.inputs[i].copy_(image);
  }
  d.labels = index.labels.index_select(0, chosen);
  d.num_classes = static_cast<int64_t>(names.size());
  d.class_names = std::move(names);
  d.image_shape = {want, h, w};
  d.description = "images " + dir + ": " + std::to_string(m) +
                  (m < total ? " of " + std::to_string(total) : "") + " images " + std::to_string(want) +
                  "×" + std::to_string(h) + "×" + std::to_string(w) + ", " + std::to_string(d.num_classes) +
                  " classes" + (m < total ? " (stratified subset, seed " + std::to_string(seed) + ")" : "") +
                  (skipped > 0 ? ", " + std::to_string(skipped) + " other files skipped" : "");
  return d;
}

}  // namespace ts
