// libFuzzer target for the .npy reader: any bytes must give an array or a runtime_error,
// never a crash, a hang or an out-of-bounds read. scripts/test runs it for a bounded time.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "core/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const peakscope::io::NpyArray a = peakscope::io::parse_npy(data, size, "fuzz.npy");
    if (a.elements() != (a.is_uint8 ? a.u8.size() : a.f32.size())) __builtin_trap();
  } catch (const std::runtime_error&) {
  }
  return 0;
}
