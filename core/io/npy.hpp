// A strict reader and writer of NumPy .npy files (format versions 1.0, 2.0 and 3.0):
// float32, float16, float64 and uint8; C and Fortran order; little- and big-endian.
// Data is converted to a C-order float32 array (uint8 stays uint8).
#pragma once

#include <cstdint>
#include <memory>
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

// A .npy file read a piece at a time straight into caller memory (the .npy source writes
// frames into an engine's frame memory this way; nothing is read before it is asked for).
// Only for C-order regular files whose size is exactly what the header declares: open()
// returns null for anything else (Fortran order, a device or FIFO, a size that disagrees),
// which read_npy reads whole, with its messages. Values are converted exactly as read_npy
// converts them, bit for bit.
class NpyStream {
 public:
  // Opens `path` and parses its header. Throws std::runtime_error as read_npy does for a bad
  // preamble or header; returns null when the file is not streamable (above).
  static std::unique_ptr<NpyStream> open(const std::string& path);
  ~NpyStream();

  const std::vector<std::size_t>& shape() const { return shape_; }
  bool is_uint8() const { return kind_ == "u1"; }
  const std::string& descr() const { return descr_; }
  const std::string& dtype() const { return dtype_; }  // "float32", "float16", "float64", "uint8"
  bool narrowed() const { return kind_ == "f8"; }
  // Finite float64 values read so far that became +-Inf in float32.
  std::size_t overflowed() const { return overflowed_; }

  // Reads elements [first, first + count) of the array (C order) into dst: count floats
  // (float32, float16 and float64 files) or count bytes (uint8 files; the other overload
  // throws std::logic_error for a mismatch). Bounded reads (at most 16 MiB each); a short read
  // (the file shrank since open), or a file whose size or modification time changed since open
  // (rewritten in place, as np.save does), throws std::runtime_error naming the file.
  void read(std::size_t first, std::size_t count, float* dst);
  void read(std::size_t first, std::size_t count, std::uint8_t* dst);

 private:
  NpyStream() = default;
  void read_bytes(std::size_t offset, std::size_t n, std::uint8_t* dst);
  void read_floats(std::size_t first, std::size_t count, float* dst);
  void check_unchanged() const;

  std::string path_, descr_, dtype_, kind_;
  std::vector<std::size_t> shape_;
  std::size_t item_ = 0, data_offset_ = 0, elements_ = 0, overflowed_ = 0;
  bool swap_ = false;
  int fd_ = -1;
  long long size_ = 0, mtime_ns_ = 0;  // at open: a rewrite changes one of them
  std::vector<std::uint8_t> bounce_;   // file bytes awaiting conversion
};

// Writes an array (for tests and tools). dtype: "f4", "f2", "f8" or "u1"; values are
// converted from `values` (C order). fortran: write in Fortran order; big_endian: '>'.
void write_npy(const std::string& path, const std::vector<std::size_t>& shape,
               const std::vector<float>& values, const std::string& dtype, bool fortran = false,
               bool big_endian = false);

// IEEE half <-> float.
float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);

}  // namespace peakscope::io
