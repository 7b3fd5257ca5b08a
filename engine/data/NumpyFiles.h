#pragma once
// NumPy's files: .npy arrays (format versions 1.0, 2.0 and 3.0) and .npz archives of them (np.savez, stored;
// np.savez_compressed, deflated), read without Python. Inputs become float64 (int64 for a model taking
// integers); labels non-negative integers.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "data/Data.h"

namespace ts {

class ByteStream;

/// An array as a .npy stream holds it.
struct NpyArray {
  at::Tensor values;      ///< float64 (int64: see read_npy) on the CPU, C order, with the array's shape
  std::string descr;      ///< the dtype as the header writes it, e.g. "<f4", "|u1"
  bool integral = false;  ///< bool or an integer dtype
};

/// Reads one .npy array from `in`. The header dict must hold exactly 'descr', 'fortran_order' and 'shape';
/// descr is bool (b1), int8–int64 (i1…i8), uint8–uint64 (u1…u8) or float16/32/64 (f2, f4, f8) with byte
/// order '<', '>', '|' or '='; C or Fortran order. The data's length must equal what the shape announces,
/// checked against in.size() before anything is allocated; 8 bytes per value must fit `memory_budget`
/// (else MemoryBudgetError). Throws InputError naming in.name() on a wrong magic, a bad header, object
/// arrays, structured and other unsupported dtypes, a truncated stream or trailing bytes. With
/// `keep_integers`, bool and integer arrays are read exactly as int64 (uint64 values above 2^63 − 1 refused)
/// instead of float64, for models that take integer inputs.
NpyArray read_npy(ByteStream& in, int64_t memory_budget, bool keep_integers = false);
/// read_npy on the file `path` (named "NumPy file 'PATH'" in errors).
NpyArray read_npy_file(const std::string& path, int64_t memory_budget, bool keep_integers = false);

/// The arrays of an .npz archive by key (member name without ".npy"), in archive order. Throws InputError
/// when the file is not a readable zip archive.
std::vector<std::string> npz_keys(const std::string& path);
/// The array `key` of an .npz archive; throws InputError listing the archive's keys when it has none so
/// named, and on corrupt members (a bad deflate stream, a wrong CRC-32) as read_npy does on bad arrays.
NpyArray read_npz_array(const std::string& path, const std::string& key, int64_t memory_budget);

/// The data of `npy:PATH,labels=LABELS`: inputs [N, …] float64 from PATH (the first axis is the sample
/// axis; a 1-D array is N inputs of one value), and when `labels_path` is not empty labels from it: N
/// non-negative integers (any integer dtype, or integral floats; shape [N] or [N, 1]) below 10,000, with
/// classes 0…max. Inputs must be finite. With `integer_inputs` (a model taking token ids), integer inputs
/// stay int64, exactly. Throws InputError naming the file and the problem.
Dataset load_npy(const std::string& path, const std::string& labels_path, int64_t memory_budget,
                 bool integer_inputs = false);
/// The data of `npz:PATH,x=KEY,y=KEY`: the arrays `x_key` (inputs) and `y_key` (labels) of the archive, as
/// load_npy reads them. An empty `x_key` means "x", or the only array when there is one; an empty `y_key`
/// means "y" when the archive has it, "none" no labels.
Dataset load_npz(const std::string& path, const std::string& x_key, const std::string& y_key,
                 int64_t memory_budget, bool integer_inputs = false);

}  // namespace ts
