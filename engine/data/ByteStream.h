#pragma once
// A sequence of bytes whose length is known before it is read: a file, a range of a file (a stored zip
// member) or an inflated zip member. Readers check the sizes a header announces against size() before they
// allocate, so a lying header costs an error message, not memory.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace ts {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  /// What the bytes are, as errors name them: "NumPy file 'a.npy'", "NumPy archive 'd.npz' member 'x.npy'".
  const std::string& name() const { return name_; }
  /// The number of bytes the stream holds.
  uint64_t size() const { return size_; }
  /// The number of bytes read so far.
  uint64_t position() const { return position_; }
  /// Reads exactly n bytes. Throws InputError naming the stream when fewer than n are left, when the file
  /// turns out shorter than announced, or when compressed data is corrupt.
  void read(char* into, size_t n);
  /// Call after the last read: throws InputError naming the stream when a check that needs all the bytes
  /// fails (the CRC-32 of a zip member, a deflate stream that does not end where its member does).
  virtual void finish() {}

 protected:
  ByteStream(std::string name, uint64_t size) : name_(std::move(name)), size_(size) {}
  /// Exactly n bytes, n ≤ size() − position().
  virtual void read_some(char* into, size_t n) = 0;

 private:
  std::string name_;
  uint64_t size_ = 0, position_ = 0;
};

/// The whole file `path` (its length when opened). Throws InputError "NAME: file not found or not readable".
std::unique_ptr<ByteStream> open_file_stream(const std::string& path, const std::string& name);

/// `length` bytes of the file `path` from `offset`; with `crc32`, finish() checks their CRC-32 against it.
std::unique_ptr<ByteStream> open_file_range(const std::string& path, uint64_t offset, uint64_t length,
                                            const std::string& name,
                                            std::optional<uint32_t> crc32 = std::nullopt);

/// The raw deflate stream (RFC 1951) in `compressed_length` bytes of `path` from `offset`, inflated as it is
/// read to exactly `length` bytes. read() throws on corrupt data, on a stream that ends early and on input
/// that runs out; finish() throws when the stream does not end at `length` bytes, when compressed bytes are
/// left over, or when the CRC-32 of the output is not `crc32`.
std::unique_ptr<ByteStream> open_inflate_stream(const std::string& path, uint64_t offset,
                                                uint64_t compressed_length, uint64_t length,
                                                const std::string& name, uint32_t crc32);

}  // namespace ts
