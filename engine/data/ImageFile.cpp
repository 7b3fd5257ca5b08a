// stb_image's implementation is compiled here, once, with only its PNG decoder. Its JPEG decoder (Debian's
// 2022-09-08 version) is left out: tests/fuzz/fuzz_image found it writing past a Huffman table (a DHT segment
// of more than 256 codes) and reading past one while decoding a corrupt scan, so a bad JPEG file could
// corrupt memory. JPEG files are refused by name until a hardened decoder (libjpeg-turbo) reads them. The
// other formats stb knows (GIF, PSD, HDR, …) are no image-folder format. Files are read into memory first:
// stb_image never touches the file system.
#include "data/ImageFile.h"

#include <vector>

#include "core/Errors.h"
#include "data/ByteStream.h"
#include "data/JpegFile.h"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_NO_STDIO
#define STBI_MAX_DIMENSIONS (1 << 15)
#define STBI_FAILURE_USERMSG
#include <stb_image.h>

namespace ts {

namespace {

// Larger files are no image a kernel is taken of (and would be read whole into memory).
constexpr int64_t kMaxFileBytes = int64_t(256) << 20;

std::string reason() {
  const char* r = stbi_failure_reason();
  return r ? r : "unknown error";
}

std::vector<unsigned char> read_bytes(const std::string& path) {
  const auto in = open_file_stream(path, "image '" + path + "'");
  if (in->size() > uint64_t(kMaxFileBytes))  // also keeps the length within stb's int
    throw InputError("image '" + path + "': larger than 256 MiB, not taken as an image");
  std::vector<unsigned char> bytes(static_cast<size_t>(in->size()));
  in->read(reinterpret_cast<char*>(bytes.data()), bytes.size());
  in->finish();
  return bytes;
}

bool is_jpeg(const std::vector<unsigned char>& b) {
  size_t i = 0;
  while (i < b.size() && b[i] == 0xFF) ++i;  // fill bytes, then the start-of-image marker
  return i >= 1 && i < b.size() && b[i] == 0xD8;
}

// Interleaved rows [H, W, C] of 8- or 16-bit samples to a [C, H, W] tensor in [0, 1] (LibTorch 1.13 has no
// uint16 tensors to view them as).
template <class T>
at::Tensor planes(const T* pixels, int64_t h, int64_t w, int channels, double max) {
  at::Tensor out = at::empty({channels, h, w}, at::kDouble);
  double* o = out.data_ptr<double>();
  const int64_t plane = h * w;
  for (int64_t p = 0; p < plane; ++p)
    for (int k = 0; k < channels; ++k) o[k * plane + p] = double(pixels[p * channels + k]) / max;
  return out;
}

}  // namespace

ImageInfo read_image_info(const std::string& path) {
  const std::vector<unsigned char> bytes = read_bytes(path);
  ImageInfo info;
  if (is_jpeg(bytes)) {
    jpeg_info(bytes, path, info.width, info.height, info.channels);
    return info;
  }
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, c = 0;
  if (!stbi_info_from_memory(bytes.data(), len, &w, &h, &c))
    throw InputError("image '" + path + "': not a readable PNG or JPEG file (" + reason() + ")");
  if (w <= 0 || h <= 0 || w > (1 << 15) || h > (1 << 15))
    throw InputError("image '" + path + "': announces " + std::to_string(w) + "×" + std::to_string(h) +
                     " pixels (at most 32768 a side)");
  info.width = w;
  info.height = h;
  info.channels = c;
  info.sixteen_bit = stbi_is_16_bit_from_memory(bytes.data(), len) != 0;
  return info;
}

at::Tensor decode_image(const std::string& path, int channels) {
  if (channels != 1 && channels != 3) throw InputError("image '" + path + "': channels must be 1 or 3");
  const std::vector<unsigned char> bytes = read_bytes(path);
  if (is_jpeg(bytes)) {
    int64_t w = 0, h = 0;
    const std::vector<unsigned char> pixels = jpeg_decode(bytes, path, channels, w, h);
    return planes(pixels.data(), h, w, channels, 255.0);
  }
  const int len = static_cast<int>(bytes.size());
  const bool sixteen = stbi_is_16_bit_from_memory(bytes.data(), len) != 0;
  int w = 0, h = 0, c = 0;
  void* pixels = sixteen
                     ? static_cast<void*>(stbi_load_16_from_memory(bytes.data(), len, &w, &h, &c, channels))
                     : static_cast<void*>(stbi_load_from_memory(bytes.data(), len, &w, &h, &c, channels));
  if (!pixels)
    throw InputError("image '" + path + "': cannot be decoded, corrupt or truncated (stb_image: " + reason() +
                     ")");
  const at::Tensor out = sixteen ? planes(static_cast<const uint16_t*>(pixels), h, w, channels, 65535.0)
                                 : planes(static_cast<const uint8_t*>(pixels), h, w, channels, 255.0);
  stbi_image_free(pixels);
  return out;
}

}  // namespace ts
