// Frames written straight into the GL engine's memory: Engine::acquire_frame hands out the
// next persistently mapped staging slot, so a source (the .npy reader, the synthetic scene, a
// capture transform) writes the frame where the DMA to device memory (or, on unified memory,
// the shaders) read it, and the host-side copy of GlEngine::submit disappears.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/gpu/gl_engine.hpp"

namespace peakscope::gpu {

MutableHeatmapView GlEngine::acquire_frame(ElemType type, int width, int height, int channels) {
  const StagingView v = acquire_staging(type, width, height, channels);
  return {v.data, type, width, height, channels, width, static_cast<std::ptrdiff_t>(v.plane)};
}

std::vector<Keypoint> GlEngine::decode_acquired(const DecodeOptions& opt) {
  opt.validate();
  if (acquired_ < 0) throw std::logic_error("decode_acquired without acquire_frame");
  const std::uint64_t id = submit_staged(opt);
  for (;;) {
    std::optional<GpuFrame> f = poll(true);
    if (!f) throw GlError("decode_acquired: frame lost");
    if (f->id == id) {
      last_keypoints_ = f->keypoints;
      return std::move(f->keypoints);
    }
  }
}

}  // namespace peakscope::gpu
