#include "data/ZipArchive.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/Errors.h"
#include "core/FileChecks.h"

namespace ts {

namespace {

constexpr uint32_t kEndRecord = 0x06054b50, kZip64Locator = 0x07064b50, kZip64EndRecord = 0x06064b50,
                   kCentralHeader = 0x02014b50, kLocalHeader = 0x04034b50;
constexpr size_t kEndRecordSize = 22, kZip64LocatorSize = 20, kZip64EndRecordSize = 56,
                 kCentralHeaderSize = 46, kLocalHeaderSize = 30;
// A central directory this large would describe about a million members: not an .npz this tool reads.
constexpr uint64_t kMaxDirectory = uint64_t(64) << 20;

uint16_t le16(const std::string& s, size_t at) {
  return static_cast<uint16_t>(uint8_t(s[at]) | (uint16_t(uint8_t(s[at + 1])) << 8));
}
uint32_t le32(const std::string& s, size_t at) { return le16(s, at) | (uint32_t(le16(s, at + 2)) << 16); }
uint64_t le64(const std::string& s, size_t at) { return le32(s, at) | (uint64_t(le32(s, at + 4)) << 32); }

// n bytes of the file from `offset`, which the caller has checked against the file's length.
std::string read_at(const std::string& path, uint64_t offset, size_t n, const std::string& label) {
  reject_special_file(path, label);
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(label + ": file not found or not readable");
  f.seekg(static_cast<std::streamoff>(offset));
  std::string out(n, '\0');
  f.read(out.data(), static_cast<std::streamsize>(n));
  if (static_cast<size_t>(f.gcount()) != n)
    throw InputError(label + ": truncated (the file ended while it was read)");
  return out;
}

}  // namespace

std::string ZipArchive::label() const { return what_ + " '" + path_ + "'"; }

ZipArchive::ZipArchive(const std::string& path, const std::string& what) : path_(path), what_(what) {
  const std::string at = label();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(at + ": is a folder, not a file");
  reject_special_file(path, at);
  {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    if (!f) throw InputError(at + ": file not found or not readable");
    const std::streamoff end = f.tellg();
    if (end < 0) throw InputError(at + ": cannot be read (not a regular file?)");
    file_size_ = static_cast<uint64_t>(end);
  }
  if (file_size_ < kEndRecordSize)
    throw InputError(at + ": too short for a zip archive (" + std::to_string(file_size_) + " bytes)");

  // The end record is the last 22 bytes, unless the archive has a comment (up to 64 KiB) after it: take the
  // last signature whose comment length reaches exactly the end of the file.
  const size_t tail_size = static_cast<size_t>(std::min<uint64_t>(file_size_, kEndRecordSize + 0xffff));
  const std::string tail = read_at(path, file_size_ - tail_size, tail_size, at);
  size_t found = std::string::npos;
  for (size_t i = tail_size - kEndRecordSize + 1; i-- > 0;)
    if (le32(tail, i) == kEndRecord && i + kEndRecordSize + le16(tail, i + 20) == tail_size) {
      found = i;
      break;
    }
  if (found == std::string::npos)
    throw InputError(at + ": not a zip archive (no end-of-central-directory record; truncated?)");
  const uint64_t end_record = file_size_ - tail_size + found;
  uint64_t disk = le16(tail, found + 4), directory_disk = le16(tail, found + 6),
           entries_here = le16(tail, found + 8), entries = le16(tail, found + 10),
           directory_size = le32(tail, found + 12), directory_offset = le32(tail, found + 16);
  uint64_t directory_limit = end_record;  // the central directory ends before the end records

  // ZIP64: a locator just before the end record points to the 64-bit end record, whose counts and offsets
  // replace the 16- and 32-bit ones.
  if (end_record >= kZip64LocatorSize) {
    const std::string locator = read_at(path, end_record - kZip64LocatorSize, kZip64LocatorSize, at);
    if (le32(locator, 0) == kZip64Locator) {
      const uint64_t record = le64(locator, 8);
      if (le32(locator, 4) != 0 || le32(locator, 16) > 1)
        throw InputError(at + ": a multi-disk (split) zip archive; only single files are read");
      if (record > end_record - kZip64LocatorSize ||
          end_record - kZip64LocatorSize - record < kZip64EndRecordSize)
        throw InputError(at + ": the ZIP64 end record (offset " + std::to_string(record) +
                         ") lies outside the file (corrupt archive)");
      const std::string z = read_at(path, record, kZip64EndRecordSize, at);
      if (le32(z, 0) != kZip64EndRecord)
        throw InputError(at + ": no ZIP64 end record where the locator points (corrupt archive)");
      disk = le32(z, 16);
      directory_disk = le32(z, 20);
      entries_here = le64(z, 24);
      entries = le64(z, 32);
      directory_size = le64(z, 40);
      directory_offset = le64(z, 48);
      directory_limit = record;
    }
  }
  if (disk != 0 || directory_disk != 0 || entries_here != entries)
    throw InputError(at + ": a multi-disk (split) zip archive; only single files are read");
  if (directory_offset > directory_limit || directory_size > directory_limit - directory_offset)
    throw InputError(at + ": the central directory (" + std::to_string(directory_size) + " bytes at offset " +
                     std::to_string(directory_offset) +
                     ") lies outside the file (corrupt or truncated archive)");
  if (directory_size > kMaxDirectory)
    throw InputError(at + ": a central directory of " + std::to_string(directory_size) +
                     " bytes (more than 64 MiB): not an archive this tool reads");
  if (entries > directory_size / kCentralHeaderSize)
    throw InputError(at + ": the end record announces " + std::to_string(entries) +
                     " members, but the central directory has room for at most " +
                     std::to_string(directory_size / kCentralHeaderSize) + " (corrupt archive)");
  directory_offset_ = directory_offset;

  const std::string dir = read_at(path, directory_offset, static_cast<size_t>(directory_size), at);
  size_t pos = 0;
  members_.reserve(static_cast<size_t>(entries));
  for (uint64_t e = 0; e < entries; ++e) {
    const std::string where = at + " central directory entry " + std::to_string(e + 1);
    if (dir.size() - pos < kCentralHeaderSize || le32(dir, pos) != kCentralHeader)
      throw InputError(where + ": no central directory header (corrupt archive)");
    ZipMember m;
    m.flags = le16(dir, pos + 8);
    m.method = le16(dir, pos + 10);
    m.crc32 = le32(dir, pos + 16);
    m.compressed_size = le32(dir, pos + 20);
    m.size = le32(dir, pos + 24);
    const size_t name_len = le16(dir, pos + 28), extra_len = le16(dir, pos + 30),
                 comment_len = le16(dir, pos + 32);
    uint64_t start_disk = le16(dir, pos + 34);
    m.local_header_offset = le32(dir, pos + 42);
    if (dir.size() - pos - kCentralHeaderSize < name_len + extra_len + comment_len)
      throw InputError(where +
                       ": its name and extra fields run past the central directory (corrupt archive)");
    m.name = dir.substr(pos + kCentralHeaderSize, name_len);
    // The ZIP64 extra field (id 1) holds, in this order, each of the sizes, the offset and the disk whose
    // 32- or 16-bit field is saturated.
    const size_t extra = pos + kCentralHeaderSize + name_len;
    for (size_t q = 0; q + 4 <= extra_len;) {
      const uint16_t id = le16(dir, extra + q), len = le16(dir, extra + q + 2);
      if (q + 4 + len > extra_len)
        throw InputError(where + " ('" + m.name + "'): an extra field runs past its end (corrupt archive)");
      if (id == 0x0001) {
        size_t r = extra + q + 4;
        const size_t end = r + len;
        auto take64 = [&](uint64_t* field) {
          if (end - r < 8)
            throw InputError(where + " ('" + m.name +
                             "'): the ZIP64 extra field is too short (corrupt archive)");
          *field = le64(dir, r);
          r += 8;
        };
        if (m.size == 0xffffffffu) take64(&m.size);
        if (m.compressed_size == 0xffffffffu) take64(&m.compressed_size);
        if (m.local_header_offset == 0xffffffffu) take64(&m.local_header_offset);
        if (start_disk == 0xffff) {
          if (end - r < 4)
            throw InputError(where + " ('" + m.name +
                             "'): the ZIP64 extra field is too short (corrupt archive)");
          start_disk = le32(dir, r);
        }
      }
      q += 4 + size_t(len);
    }
    if (start_disk != 0)
      throw InputError(where + ": a multi-disk (split) zip archive; only single files are read");
    // A member's local header and data lie before the central directory.
    if (m.local_header_offset > directory_offset ||
        directory_offset - m.local_header_offset < kLocalHeaderSize ||
        m.compressed_size > directory_offset - m.local_header_offset - kLocalHeaderSize)
      throw InputError(where + " ('" + m.name + "'): its data (" + std::to_string(m.compressed_size) +
                       " bytes at offset " + std::to_string(m.local_header_offset) +
                       ") lies outside the file (corrupt or truncated archive)");
    if (m.method == 0 && m.compressed_size != m.size)
      throw InputError(where + " ('" + m.name + "'): stored, but its sizes differ (" +
                       std::to_string(m.compressed_size) + " and " + std::to_string(m.size) +
                       "; corrupt archive)");
    // Deflate expands by at most 1032:1, so a larger announced size is a lie; refusing it here keeps a
    // reader from reserving memory for it.
    if (m.method == 8 && m.size / 1032 > m.compressed_size + 1)
      throw InputError(where + " ('" + m.name + "'): announces " + std::to_string(m.size) + " bytes from " +
                       std::to_string(m.compressed_size) +
                       " compressed bytes, more than deflate can hold (corrupt archive)");
    members_.push_back(std::move(m));
    pos += kCentralHeaderSize + name_len + extra_len + comment_len;
  }
}

const ZipMember* ZipArchive::find(const std::string& name) const {
  for (const auto& m : members_)
    if (m.name == name) return &m;
  return nullptr;
}

std::unique_ptr<ByteStream> ZipArchive::open(const ZipMember& m) const {
  const std::string where = label() + " member '" + m.name + "'";
  if (m.flags & 1) throw InputError(where + ": encrypted; encrypted members are not read");
  if (m.method != 0 && m.method != 8)
    throw InputError(where + ": compression method " + std::to_string(m.method) +
                     "; only stored (0) and deflate (8) are read");
  // The local header repeats the name and may carry its own extra field; the data follows both. Its sizes
  // are not used (they may be deferred to a data descriptor); the central directory's are.
  const std::string local = read_at(path_, m.local_header_offset, kLocalHeaderSize, where);
  if (le32(local, 0) != kLocalHeader)
    throw InputError(where + ": no local header at offset " + std::to_string(m.local_header_offset) +
                     " (corrupt archive)");
  const uint64_t name_len = le16(local, 26), extra_len = le16(local, 28);
  const uint64_t data = m.local_header_offset + kLocalHeaderSize + name_len + extra_len;
  if (data > directory_offset_ || m.compressed_size > directory_offset_ - data)
    throw InputError(where + ": its data runs into the central directory (corrupt archive)");
  if (read_at(path_, m.local_header_offset + kLocalHeaderSize, static_cast<size_t>(name_len), where) !=
      m.name)
    throw InputError(where + ": its local header names another member (corrupt archive)");
  if (m.method == 0) return open_file_range(path_, data, m.size, where, m.crc32);
  return open_inflate_stream(path_, data, m.compressed_size, m.size, where, m.crc32);
}

}  // namespace ts
