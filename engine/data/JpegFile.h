#pragma once
// JPEG decoding with libjpeg-turbo (Debian's libjpeg62-turbo), for data/ImageFile.cpp: strict (a warning such
// as "premature end of JPEG file" is an error, not grey rows), bounded (at most 32768 pixels a side, 1,000
// scans).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ts {

/// Whether this build reads JPEG (libjpeg was found at configure time).
bool jpeg_supported();

/// The JPEG in `bytes`: its size and colour components (1 grey, 3 YCbCr/RGB, 4 CMYK). Throws InputError
/// naming `path` when it is corrupt.
void jpeg_info(const std::vector<unsigned char>& bytes, const std::string& path, int64_t& width,
               int64_t& height, int& components);

/// Its pixels, interleaved rows of `channels` (1: grey, 3: RGB) bytes. Throws InputError naming `path` when
/// it is corrupt, truncated or in a colour space that cannot become `channels` (CMYK).
std::vector<unsigned char> jpeg_decode(const std::vector<unsigned char>& bytes, const std::string& path,
                                       int channels, int64_t& width, int64_t& height);

}  // namespace ts
