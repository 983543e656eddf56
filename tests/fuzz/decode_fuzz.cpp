// libFuzzer target: differential decoding. The input bytes choose a case (map kind, value
// scale, sizes up to 70000-pixel rows, strides with garbage in the padding, channels, uint8 or
// float32, beta over the whole accepted range, normalise; tests/support/differential.hpp);
// the CPU engine (one thread, and two on larger maps) must agree with core/reference within
// 1e-3 px and 1e-6 relative peak probability, argmax exact. A disagreement prints the case
// and aborts, so libFuzzer saves the input; replay it with `decode_fuzz FILE`. Every engine
// is held to the same space of cases by tests/gl/engine_contract_test.cpp (DifferentialCases).
// scripts/test runs it for a bounded time.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/cpu/cpu_engine.hpp"
#include "core/reference.hpp"
#include "tests/support/differential.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static peakscope::CpuEngine one(1), two(2);
  const peakscope::testing::DiffCase c = peakscope::testing::draw_case(data, size, 1 << 16);
  peakscope::CpuEngine& engine = c.view.pixels() * c.view.channels >= (1 << 15) ? two : one;
  const std::vector<peakscope::Keypoint> got = engine.decode(c.view, c.opt).keypoints();
  for (int k = 0; k < c.view.channels; ++k) {
    const std::string d = peakscope::testing::keypoint_mismatch(
        got[k], peakscope::reference::decode(c.view, k, c.opt));
    if (!d.empty()) {
      std::fprintf(stderr, "decode_fuzz: %s channel %d: %s\n", c.describe().c_str(), k, d.c_str());
      std::abort();
    }
  }
  return 0;
}
