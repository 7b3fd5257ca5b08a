// Folders of images per class, the layout of torchvision's ImageFolder: DIR/CLASS/…/IMAGE.png. Classes are
// the subfolders in sorted order; every image is found from its headers first, so a seeded subset, the
// image size and the memory budget are all settled before any pixel is decoded.
#include <sys/stat.h>

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

// The folder a directory entry leads to, as (device, inode); {0, 0} when it cannot be examined.
std::pair<uint64_t, uint64_t> folder_id(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return {0, 0};
  return {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
}

// The image files under `dir` (recursively, hidden entries skipped), sorted; `skipped` counts the others.
// Symbolic links are followed, but one that leads back into a folder being listed (a loop) or to itself is
// refused by name: following it would list the same images again and again.
std::vector<std::string> images_in(const fs::path& dir, int64_t& skipped) {
  std::vector<std::string> files;
  std::error_code ec;
  auto listing = [&](const std::string& why) {
    return InputError("image folder '" + dir.string() + "': cannot be listed (" + why + ")");
  };
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end;
  if (ec) throw listing(ec.message());
  std::vector<std::pair<uint64_t, uint64_t>> open_folders{folder_id(dir)};  // dir and the folders below it
  for (; it != end; it.increment(ec)) {
    if (ec) throw listing(ec.message());
    open_folders.resize(static_cast<size_t>(it.depth()) + 1);
    const fs::path& p = it->path();
    if (hidden(p)) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    const bool link = it->is_symlink(ec);
    const fs::file_status st = fs::status(p, ec);
    if (ec) {
      if (link && ec == std::errc::too_many_symbolic_link_levels)
        throw InputError("image folder '" + dir.string() + "': the symbolic link '" + p.string() +
                         "' leads to itself (a loop of links): remove it");
      if (link) {  // a dangling link: not an image
        ec.clear();
        ++skipped;
        continue;
      }
      throw listing(p.string() + ": " + ec.message());
    }
    if (fs::is_directory(st)) {
      const auto id = folder_id(p);
      if (link && std::find(open_folders.begin(), open_folders.end(), id) != open_folders.end()) {
        it.disable_recursion_pending();
        throw InputError("image folder '" + dir.string() + "': the symbolic link '" + p.string() +
                         "' leads back to a folder that contains it (a loop): remove the link");
      }
      open_folders.push_back(id);
      continue;
    }
    if (!fs::is_regular_file(st)) {
      ++skipped;
      continue;
    }
    if (image_extension(p))
      files.push_back(p.string());
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
    std::error_code sec;
    const fs::file_status st = fs::status(e.path(), sec);
    if (sec == std::errc::too_many_symbolic_link_levels)
      throw InputError("image folder '" + dir + "': the symbolic link '" + e.path().string() +
                       "' leads to itself (a loop of links): remove it");
    if (fs::is_directory(st))
      classes.push_back(e.path());
    else if (fs::is_regular_file(st) && image_extension(e.path()))
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
