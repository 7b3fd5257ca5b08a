#pragma once
// One PNG or JPEG file (recognised by its content, not its name), PNG read with stb_image (Debian's
// libstb-dev), JPEG with libjpeg-turbo: its header alone (size and channels, before any pixel is allocated)
// or its pixels.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>

namespace ts {

struct ImageInfo {
  int64_t width = 0, height = 0;
  int channels = 0;  ///< as stored: 1 grey, 2 grey + alpha, 3 RGB (or YCbCr), 4 RGBA (or CMYK)
  bool sixteen_bit = false;
};

/// The header of the PNG or JPEG file `path`. Throws InputError naming the file when it cannot be opened, is
/// neither, or announces a size of zero or more than 2^15 pixels a side.
ImageInfo read_image_info(const std::string& path);

/// The pixels of `path` as a [channels, H, W] float64 tensor in [0, 1] (8-bit values / 255, 16-bit PNG values
/// / 65535). `channels` is 1 (RGB is converted to luma, ITU-R BT.601 weights, as stb_image does) or 3 (grey
/// is repeated); alpha is dropped. Throws InputError naming the file when it is corrupt or truncated
/// (stb_image checks the zlib stream and that it holds every row).
at::Tensor decode_image(const std::string& path, int channels);

}  // namespace ts
