#pragma once
// Reading zip archives (PKWARE's APPNOTE) with zlib alone: the central directory, ZIP64 where a size or
// offset does not fit 32 bits, and members stored or deflated, as NumPy's savez and savez_compressed write
// them. No multi-disk archives, no encryption, no other compression methods.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/ByteStream.h"

namespace ts {

/// One member, as the central directory describes it.
struct ZipMember {
  std::string name;
  uint16_t method = 0;  ///< 0 stored, 8 deflated
  uint16_t flags = 0;   ///< general-purpose bits (bit 0: encrypted)
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;                 ///< uncompressed
  uint64_t local_header_offset = 0;  ///< where the member's local header starts
};

class ZipArchive {
 public:
  /// Reads the central directory of `path`; `what` names the file in errors ("NumPy archive"). Every offset
  /// and size is checked against the file's length; throws InputError naming the file and the problem.
  ZipArchive(const std::string& path, const std::string& what);

  const std::string& path() const { return path_; }
  /// "WHAT 'PATH'", as errors start.
  std::string label() const;
  const std::vector<ZipMember>& members() const { return members_; }
  /// The first member named `name`, or null.
  const ZipMember* find(const std::string& name) const;
  /// The uncompressed bytes of `member`: read straight from the file when stored, inflated as read when
  /// deflated; the stream's finish() checks the CRC-32. Throws InputError on a bad local header, an
  /// unsupported method or encryption.
  std::unique_ptr<ByteStream> open(const ZipMember& member) const;

 private:
  std::string path_, what_;
  uint64_t file_size_ = 0, directory_offset_ = 0;
  std::vector<ZipMember> members_;
};

}  // namespace ts
