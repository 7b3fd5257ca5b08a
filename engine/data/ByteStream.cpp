#include "data/ByteStream.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/Errors.h"
#include "core/FileChecks.h"

namespace ts {

void ByteStream::read(char* into, size_t n) {
  if (n > size_ - position_)
    throw InputError(name_ + ": truncated (" + std::to_string(n) + " more bytes needed at byte " +
                     std::to_string(position_) + ", the data ends at byte " + std::to_string(size_) + ")");
  read_some(into, n);
  position_ += n;
}

namespace {

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "%08x", v);
  return b;
}

// The CRC-32 of a long buffer, in pieces zlib's 32-bit lengths take.
uint32_t update_crc(uint32_t crc, const char* data, size_t n) {
  while (n > 0) {
    const uInt chunk = static_cast<uInt>(std::min<size_t>(n, size_t(1) << 30));
    crc = static_cast<uint32_t>(::crc32(crc, reinterpret_cast<const Bytef*>(data), chunk));
    data += chunk;
    n -= chunk;
  }
  return crc;
}

// Opens `path` at `offset` and checks that [offset, offset + length) lies within the file as it is now.
std::ifstream open_range(const std::string& path, uint64_t offset, uint64_t length, const std::string& name) {
  reject_special_file(path, name);
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(name + ": file not found or not readable");
  f.seekg(0, std::ios::end);
  const auto end = static_cast<uint64_t>(f.tellg());
  if (!f || offset > end || length > end - offset)
    throw InputError(name + ": truncated (bytes " + std::to_string(offset) + " to " +
                     std::to_string(offset + length) + " are needed, the file has " + std::to_string(end) +
                     ")");
  f.seekg(static_cast<std::streamoff>(offset));
  return f;
}

class FileRangeStream : public ByteStream {
 public:
  FileRangeStream(const std::string& path, uint64_t offset, uint64_t length, const std::string& name,
                  std::optional<uint32_t> crc)
      : ByteStream(name, length), file_(open_range(path, offset, length, name)), want_crc_(crc) {}

  void finish() override {
    if (want_crc_ && crc_ != *want_crc_)
      throw InputError(this->name() + ": corrupt data (CRC-32 " + hex32(crc_) + ", the archive says " +
                       hex32(*want_crc_) + ")");
  }

 protected:
  void read_some(char* into, size_t n) override {
    file_.read(into, static_cast<std::streamsize>(n));
    if (static_cast<size_t>(file_.gcount()) != n)
      throw InputError(this->name() + ": truncated (the file ended while it was read)");
    if (want_crc_) crc_ = update_crc(crc_, into, n);
  }

 private:
  std::ifstream file_;
  std::optional<uint32_t> want_crc_;
  uint32_t crc_ = 0;
};

class InflateStream : public ByteStream {
 public:
  InflateStream(const std::string& path, uint64_t offset, uint64_t compressed, uint64_t length,
                const std::string& name, uint32_t crc)
      : ByteStream(name, length),
        file_(open_range(path, offset, compressed, name)),
        in_left_(compressed),
        want_crc_(crc),
        buffer_(size_t(1) << 16) {
    // Negative window bits: a raw deflate stream, without zlib or gzip framing (as zip stores it).
    if (inflateInit2(&z_, -MAX_WBITS) != Z_OK) throw InputError(name + ": zlib cannot start inflating");
    started_ = true;
  }
  ~InflateStream() override {
    if (started_) inflateEnd(&z_);
  }

  void finish() override {
    // The stream must end exactly here: one more byte of room must stay unused.
    char extra = 0;
    while (!ended_) {
      z_.next_out = reinterpret_cast<Bytef*>(&extra);
      z_.avail_out = 1;
      step();
      if (z_.avail_out == 0)
        throw InputError(this->name() + ": the compressed data holds more than the announced " +
                         std::to_string(size()) + " bytes (corrupt archive)");
    }
    if (z_.avail_in != 0 || in_left_ != 0)
      throw InputError(this->name() + ": " + std::to_string(z_.avail_in + in_left_) +
                       " compressed bytes follow the end of the deflate stream (corrupt archive)");
    if (crc_ != want_crc_)
      throw InputError(this->name() + ": corrupt data (CRC-32 " + hex32(crc_) + ", the archive says " +
                       hex32(want_crc_) + ")");
  }

 protected:
  void read_some(char* into, size_t n) override {
    size_t done = 0;
    while (done < n) {
      const uInt chunk = static_cast<uInt>(std::min<size_t>(n - done, size_t(1) << 30));
      z_.next_out = reinterpret_cast<Bytef*>(into + done);
      z_.avail_out = chunk;
      while (z_.avail_out > 0) {
        if (ended_)
          throw InputError(this->name() + ": corrupt deflate stream (it ends after " +
                           std::to_string(position() + done + (chunk - z_.avail_out)) + " of the announced " +
                           std::to_string(size()) + " bytes)");
        step();
      }
      done += chunk;
    }
    crc_ = update_crc(crc_, into, n);
  }

 private:
  // One call of inflate with the output room set by the caller: refills the input, and throws on corrupt
  // data or on input that runs out. Every call consumes input, produces output or ends the stream, so the
  // loops around it end.
  void step() {
    if (z_.avail_in == 0 && in_left_ > 0) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(in_left_, buffer_.size()));
      file_.read(buffer_.data(), static_cast<std::streamsize>(want));
      if (static_cast<size_t>(file_.gcount()) != want)
        throw InputError(this->name() + ": truncated (the file ended while it was read)");
      in_left_ -= want;
      z_.next_in = reinterpret_cast<Bytef*>(buffer_.data());
      z_.avail_in = static_cast<uInt>(want);
    }
    const uInt in_before = z_.avail_in, out_before = z_.avail_out;
    const int rc = inflate(&z_, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      ended_ = true;
      return;
    }
    if (rc == Z_BUF_ERROR && z_.avail_in == 0 && in_left_ == 0)
      throw InputError(this->name() +
                       ": corrupt deflate stream (the compressed data ends before the announced " +
                       std::to_string(size()) + " bytes)");
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      throw InputError(this->name() + ": corrupt deflate stream (zlib: " +
                       (z_.msg ? std::string(z_.msg) : "error " + std::to_string(rc)) + ")");
    if (z_.avail_in == in_before && z_.avail_out == out_before)
      throw InputError(this->name() + ": corrupt deflate stream (no progress)");
  }

  std::ifstream file_;
  uint64_t in_left_;
  uint32_t want_crc_, crc_ = 0;
  std::vector<char> buffer_;
  z_stream z_{};
  bool started_ = false, ended_ = false;
};

}  // namespace

std::unique_ptr<ByteStream> open_file_stream(const std::string& path, const std::string& name) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(name + ": is a folder, not a file");
  reject_special_file(path, name);
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw InputError(name + ": file not found or not readable");
  const std::streamoff end = f.tellg();
  if (end < 0) throw InputError(name + ": cannot be read (not a regular file?)");
  return std::make_unique<FileRangeStream>(path, 0, static_cast<uint64_t>(end), name, std::nullopt);
}

std::unique_ptr<ByteStream> open_file_range(const std::string& path, uint64_t offset, uint64_t length,
                                            const std::string& name, std::optional<uint32_t> crc32) {
  return std::make_unique<FileRangeStream>(path, offset, length, name, crc32);
}

std::unique_ptr<ByteStream> open_inflate_stream(const std::string& path, uint64_t offset,
                                                uint64_t compressed_length, uint64_t length,
                                                const std::string& name, uint32_t crc32) {
  return std::make_unique<InflateStream>(path, offset, compressed_length, length, name, crc32);
}

}  // namespace ts
