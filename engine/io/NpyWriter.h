#pragma once
// NumPy .npy output (format 1.0, little-endian float64, C order), so a kernel or a Jacobian block can be
// continued in Python with numpy.load.
#include <ATen/ATen.h>

#include <string>

namespace ts {

/// The bytes of a .npy file holding `t` as float64 ('<f8'), C order, with t's shape.
std::string npy_bytes(const at::Tensor& t);

/// Writes `t` to `path` atomically (docs/FORMATS.md: no half-written file; a failed write names the path).
void write_npy(const std::string& path, const at::Tensor& t);

}  // namespace ts
