// libjpeg reports errors through a callback that must not return; the C++ exception cannot cross the C
// library, so the callback longjmps back to decode_raw, which holds no C++ object between setjmp and the
// jump.
#include "data/JpegFile.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/Errors.h"

#ifdef TS_HAVE_JPEG
#include <jpeglib.h>
#endif

namespace ts {

#ifdef TS_HAVE_JPEG

namespace {

constexpr unsigned kMaxSide = 1u << 15;
constexpr int kMaxScans = 1000;  // a progressive file of endless scans would take unbounded time

struct ErrorState {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

extern "C" void on_error(j_common_ptr c) {
  auto* e = reinterpret_cast<ErrorState*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// Warnings (level −1: corrupt data, a premature end) are errors here; trace messages are ignored.
extern "C" void on_message(j_common_ptr c, int level) {
  if (level < 0) on_error(c);
}

extern "C" void on_progress(j_common_ptr c) {
  auto* d = reinterpret_cast<j_decompress_ptr>(c);
  if (d->input_scan_number > kMaxScans) {
    auto* e = reinterpret_cast<ErrorState*>(c->err);
    std::snprintf(e->message, sizeof e->message, "more than %d scans", kMaxScans);
    std::longjmp(e->jump, 1);
  }
}

// Returns 0, or 1 with `message` filled; `out` (malloc'd, channels bytes a pixel) when channels > 0.
int decode_raw(const unsigned char* data, size_t size, int channels, unsigned* width, unsigned* height,
               int* components, unsigned char** out, char* message) {
  jpeg_decompress_struct cinfo;
  ErrorState err;
  jpeg_progress_mgr progress;
  unsigned char* volatile buffer = nullptr;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = on_error;
  err.mgr.emit_message = on_message;
  err.message[0] = '\0';
  if (setjmp(err.jump)) {
    std::strncpy(message, err.message, JMSG_LENGTH_MAX);
    jpeg_destroy_decompress(&cinfo);
    std::free(buffer);
    return 1;
  }
  jpeg_create_decompress(&cinfo);
  progress.progress_monitor = on_progress;
  cinfo.progress = &progress;
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  *width = cinfo.image_width;
  *height = cinfo.image_height;
  *components = cinfo.num_components;
  if (cinfo.image_width == 0 || cinfo.image_height == 0 || cinfo.image_width > kMaxSide ||
      cinfo.image_height > kMaxSide) {
    std::snprintf(err.message, sizeof err.message, "announces %u×%u pixels (at most 32768 a side)",
                  cinfo.image_width, cinfo.image_height);
    std::longjmp(err.jump, 1);
  }
  if (channels > 0) {
    cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    const size_t row = size_t(cinfo.output_width) * size_t(cinfo.output_components);
    buffer = static_cast<unsigned char*>(std::malloc(row * cinfo.output_height));
    if (!buffer) {
      std::snprintf(err.message, sizeof err.message, "out of memory");
      std::longjmp(err.jump, 1);
    }
    while (cinfo.output_scanline < cinfo.output_height) {
      JSAMPROW r = buffer + row * cinfo.output_scanline;
      jpeg_read_scanlines(&cinfo, &r, 1);
    }
    jpeg_finish_decompress(&cinfo);
    *out = buffer;
  }
  jpeg_destroy_decompress(&cinfo);
  return 0;
}

}  // namespace

bool jpeg_supported() { return true; }

void jpeg_info(const std::vector<unsigned char>& bytes, const std::string& path, int64_t& width,
               int64_t& height, int& components) {
  unsigned w = 0, h = 0;
  char message[JMSG_LENGTH_MAX] = {0};
  if (decode_raw(bytes.data(), bytes.size(), 0, &w, &h, &components, nullptr, message))
    throw InputError("image '" + path + "': not a readable JPEG file (libjpeg: " + message + ")");
  width = w;
  height = h;
}

std::vector<unsigned char> jpeg_decode(const std::vector<unsigned char>& bytes, const std::string& path,
                                       int channels, int64_t& width, int64_t& height) {
  unsigned w = 0, h = 0;
  int components = 0;
  unsigned char* pixels = nullptr;
  char message[JMSG_LENGTH_MAX] = {0};
  if (decode_raw(bytes.data(), bytes.size(), channels, &w, &h, &components, &pixels, message))
    throw InputError("image '" + path + "': cannot be decoded, corrupt or truncated (libjpeg: " + message +
                     ")");
  std::vector<unsigned char> out(pixels, pixels + size_t(w) * h * channels);
  std::free(pixels);
  width = w;
  height = h;
  return out;
}

#else  // built without libjpeg

bool jpeg_supported() { return false; }

[[noreturn]] static void refuse(const std::string& path) {
  throw InputError("image '" + path +
                   "': this build reads no JPEG (libjpeg was not found when it was built); " +
                   "convert the images to PNG, e.g. mogrify -format png *.jpg");
}

void jpeg_info(const std::vector<unsigned char>&, const std::string& path, int64_t&, int64_t&, int&) {
  refuse(path);
}

std::vector<unsigned char> jpeg_decode(const std::vector<unsigned char>&, const std::string& path, int,
                                       int64_t&, int64_t&) {
  refuse(path);
}

#endif

}  // namespace ts
