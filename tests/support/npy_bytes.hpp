// A float64 .npy file's bytes written by hand (core/io's write_npy takes floats, which cannot
// hold the float64 values these tests need: ones float32 cannot tell apart or hold at all).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace peakscope::testing {

// C-order, little-endian '<f8' array of shape (rows, cols) holding v (rows * cols values).
inline std::string f8_npy_bytes(const std::vector<double>& v, std::size_t rows, std::size_t cols) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size());
  out += '\0';
  out += header;
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
  return out;
}

}  // namespace peakscope::testing
