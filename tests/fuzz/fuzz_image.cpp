// libFuzzer target: the PNG and JPEG decoders (stb_image, PNG and JPEG only) through the header read, the
// decode at 1 and 3 channels, and the image-folder reader with the input as the one image of a class, under a
// small memory budget.
#include <unistd.h>

#include <filesystem>

#include "FuzzSupport.h"
#include "core/Errors.h"
#include "data/Data.h"
#include "data/ImageFile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  const std::string root = "/dev/shm/tangentscope-fuzz-images-" + std::to_string(::getpid());
  fs::create_directories(root + "/a");
  const std::string tmp = ts::fuzz::as_file(data, size, ".img");
  // The same bytes as a .png and as a .jpg: stb_image decides by content, the end-marker check by the magic.
  const std::string path = root + "/a/x.png";
  fs::copy_file(tmp, path, fs::copy_options::overwrite_existing);
  const int64_t budget = int64_t(16) << 20;
  try {
    const ts::ImageInfo info = ts::read_image_info(path);
    if (8.0 * double(info.width) * double(info.height) * 3.0 <= double(budget)) {
      for (const int c : {1, 3}) {
        try {
          (void)ts::decode_image(path, c);
        } catch (const ts::Error&) {
        }
      }
    }
  } catch (const ts::Error&) {
  }
  try {
    (void)ts::load_image_folders(root, "auto", 0, 0, budget);
  } catch (const ts::Error&) {
  }
  return 0;
}
