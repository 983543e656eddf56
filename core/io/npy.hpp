// A strict reader and writer of NumPy .npy files (format versions 1.0, 2.0 and 3.0):
// float32, float16, float64 and uint8; C and Fortran order; little- and big-endian.
// Data is converted to a C-order float32 array (uint8 stays uint8).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace peakscope::io {

struct NpyArray {
  std::vector<std::size_t> shape;  // as in the file (C order after conversion)
  bool is_uint8 = false;
  std::vector<float> f32;        // when !is_uint8, C order
  std::vector<std::uint8_t> u8;  // when is_uint8, C order
  std::string descr;             // the file's dtype, e.g. "<f2"
  std::string dtype;             // "float32", "float16", "float64" or "uint8"
  // float64 data is narrowed to float32 (the engines decode float32 and uint8): values closer
  // than float32's precision merge, and `overflowed` counts finite values beyond float32's
  // range that became +-Inf. float16 widens exactly (narrowed stays false).
  bool narrowed = false;
  std::size_t overflowed = 0;
  bool fortran_order = false;  // as it was in the file
  std::size_t elements() const;
};

// Parses .npy bytes. Throws std::runtime_error naming `what` (the file) and the problem:
// bad magic, unsupported version, malformed or unknown header fields, unsupported dtype,
// a shape whose byte count overflows, or a data size that disagrees with the shape.
NpyArray parse_npy(const std::uint8_t* data, std::size_t size, const std::string& what);
// Reads a file: a directory, a missing file or a short read is an error naming the path; a
// device or FIFO is read only as far as its header declares (plus one byte to detect trailing
// data), so /dev/zero or an endless pipe cannot exhaust memory.
NpyArray read_npy(const std::string& path);

// Writes an array (for tests and tools). dtype: "f4", "f2", "f8" or "u1"; values are
// converted from `values` (C order). fortran: write in Fortran order; big_endian: '>'.
void write_npy(const std::string& path, const std::vector<std::size_t>& shape,
               const std::vector<float>& values, const std::string& dtype, bool fortran = false,
               bool big_endian = false);

// IEEE half <-> float.
float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);

}  // namespace peakscope::io
