#include "io/NpyWriter.h"

#include <cstring>

#include "io/OutputFiles.h"

namespace ts {

std::string npy_bytes(const at::Tensor& t) {
  const at::Tensor v = t.detach().to(at::kCPU, at::kDouble).contiguous();
  std::string shape = "(";
  for (int64_t i = 0; i < v.dim(); ++i)
    shape += std::to_string(v.size(i)) + (v.dim() == 1 || i + 1 < v.dim() ? "," : "");
  shape += ")";
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic (6) + version (2) + header length (2) + header + padding + '\n' is a multiple of 64 (NumPy's rule).
  const size_t unpadded = 10 + header.size() + 1;
  header += std::string((64 - unpadded % 64) % 64, ' ') + "\n";
  std::string out = std::string("\x93NUMPY", 6) + std::string("\x01\x00", 2);
  const uint16_t len = static_cast<uint16_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  out += header;
  static_assert(sizeof(double) == 8, "float64");
  const size_t bytes = static_cast<size_t>(v.numel()) * 8;
  const size_t at = out.size();
  out.resize(at + bytes);
  // Little-endian hosts only (x86-64, aarch64): the engine's other readers make the same assumption.
  if (bytes > 0) std::memcpy(&out[at], v.data_ptr<double>(), bytes);
  return out;
}

void write_npy(const std::string& path, const at::Tensor& t) { write_file_atomic(path, npy_bytes(t)); }

}  // namespace ts
