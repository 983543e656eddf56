// Frames in and decoded frames out: acquire() hands out the next ring slot's persistently
// mapped staging memory, so a source (the .npy reader, a capture transform) writes the frame
// where the DMA to device memory (or, on unified memory, the shaders) read it; decode(slot)
// submits it and waits. A host frame is copied into the slot first (over the thread pool when
// large). The DecodedFrame's queries read the slot of the last submit, which the frame's guard
// proves is still its own.
#include <algorithm>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/cpu/thread_pool.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/gpu/gl_engine_detail.hpp"
#include "core/scene_frame.hpp"

namespace peakscope::gpu {

using namespace detail;

// The queries of the frame of the last submit.
class GlEngine::Frame : public FrameQueries {
 public:
  explicit Frame(GlEngine& e) : e_(e) {}

  SoftmaxImage softmax(int c, const Keypoint& kp) override {
    SoftmaxImage img;
    img.gl_texture = e_.softmax_texture(c);
    img.width = e_.slots_[e_.last_].width;
    img.height = e_.slots_[e_.last_].height;
    img.keypoint = kp;
    return img;
  }
  std::uint32_t values_texture(int c) override { return e_.values_texture(c); }
  std::vector<PeakWindow> windows(int radius, const std::vector<Keypoint>&) override {
    return e_.lab_windows(radius);
  }
  double blurred_max(int c, int kernel) override { return e_.lab_blurred_max(c, kernel); }
  BetaGrid beta_grid(const std::vector<double>& betas, bool normalize, bool debiased) override {
    return e_.lab_beta_grid(betas, normalize, debiased);
  }

 private:
  GlEngine& e_;
};

FrameSlot GlEngine::acquire(const FrameShape& shape) {
  shape.validate();
  generation_.advance();
  Slot& s = next_slot(shape.type, shape.width, shape.height, shape.channels, /*staging=*/true);
  acquired_ = next_;
  const MutableHeatmapView v{s.staging_ptr,
                             shape.type,
                             shape.width,
                             shape.height,
                             shape.channels,
                             shape.width,
                             static_cast<std::ptrdiff_t>(s.plane)};
  return FrameSlot::writable(this, v, ++ticket_);
}

std::uint64_t GlEngine::submit(FrameSlot slot, const DecodeOptions& opt) {
  opt.validate();
  take_slot(slot, ticket_, "GlEngine::submit");
  check_context("GPU decode");
  if (acquired_ != next_) throw std::logic_error("GlEngine::submit: the slot was overtaken");
  acquired_ = -1;
  generation_.advance();
  return stage_and_dispatch(slots_[next_], opt);
}

GpuFrame GlEngine::wait_for(std::uint64_t id, const char* where) {
  for (;;) {
    std::optional<GpuFrame> f = poll(true);
    if (!f) throw GlError(std::string(where) + ": frame lost");
    if (f->id == id) return std::move(*f);
  }
}

DecodedFrame GlEngine::frame_of(GpuFrame f, const DecodeOptions& opt, bool made_here) {
  const Slot& s = slots_[last_];
  DecodedFrame::Info info;
  info.shape = {s.type, s.width, s.height, s.channels};
  info.options = opt;
  info.backend = Backend::kGpu;
  info.made_by_engine = made_here;
  info.gpu_ms = f.gpu_ms;
  info.keypoints = std::move(f.keypoints);
  auto q = std::make_shared<Frame>(*this);
  return DecodedFrame(std::move(info), std::move(q), generation_.guard());
}

DecodedFrame GlEngine::decode(FrameSlot slot, const DecodeOptions& opt) {
  const std::uint64_t id = submit(std::move(slot), opt);
  return frame_of(wait_for(id, "decode"), opt, false);
}

std::uint64_t GlEngine::submit(const HeatmapView& frame, const DecodeOptions& opt) {
  frame.validate();
  opt.validate();
  FrameSlot slot = acquire(FrameShape::of(frame));
  copy_in(frame, slots_[next_]);
  return submit(std::move(slot), opt);
}

DecodedFrame GlEngine::decode(const HeatmapView& frame, const DecodeOptions& opt) {
  frame.validate();
  opt.validate();
  FrameSlot slot = acquire(FrameShape::of(frame));
  copy_in(frame, slots_[next_]);
  return decode(std::move(slot), opt);  // the one path: a host frame is a slot with a copy
}

bool GlEngine::makes_itself(const FrameWriter& source) const {
  return dynamic_cast<const SceneFrame*>(&source) != nullptr;
}

DecodedFrame GlEngine::decode(const FrameWriter& source, const DecodeOptions& opt) {
  const auto* scene = dynamic_cast<const SceneFrame*>(&source);
  if (!scene) return Engine::decode(source, opt);
  opt.validate();
  generation_.advance();
  ++ticket_;  // a slot handed out earlier is overtaken
  acquired_ = -1;
  const std::uint64_t id = submit_scene(*scene, opt);
  return frame_of(wait_for(id, "decode scene"), opt, true);
}

void GlEngine::copy_in(const HeatmapView& map, const Slot& s) {
  const std::size_t es = elem_size(map.type);
  auto* dst = static_cast<std::uint8_t*>(s.staging_ptr);
  const auto* src = static_cast<const std::uint8_t*>(map.data);
  const std::size_t row = static_cast<std::size_t>(map.width) * es;
  const bool dense_rows = map.row_stride == map.width;
  // One task per channel (dense rows) or per row; large frames spread over the pool.
  const std::size_t tasks = dense_rows ? static_cast<std::size_t>(map.channels)
                                       : static_cast<std::size_t>(map.channels) * map.height;
  auto one = [&](std::size_t i) {
    if (dense_rows) {
      std::memcpy(dst + i * s.plane * es, src + i * map.channel_stride * es, row * map.height);
    } else {
      const std::size_t c = i / map.height, y = i % map.height;
      std::memcpy(dst + (c * s.plane + y * map.width) * es,
                  src + (c * map.channel_stride + y * map.row_stride) * es, row);
    }
  };
  const std::size_t bytes = row * map.height * map.channels;
  if (bytes < kParallelCopyBytes) {
    for (std::size_t i = 0; i < tasks; ++i) one(i);
    return;
  }
  if (!pool_)
    pool_ = std::make_unique<ThreadPool>(
        static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u)));
  // Split big planes into ~1 MB pieces so that every thread gets work.
  const std::size_t piece = std::size_t{1} << 20;
  if (dense_rows) {
    const std::size_t plane_bytes = row * map.height;
    const std::size_t per = (plane_bytes + piece - 1) / piece;
    pool_->parallel_for(per * map.channels, [&](std::size_t i) {
      const std::size_t c = i / per, p = i % per;
      const std::size_t off = p * piece, len = std::min(piece, plane_bytes - off);
      std::memcpy(dst + c * s.plane * es + off, src + c * map.channel_stride * es + off, len);
    });
  } else {
    pool_->parallel_for(tasks, one);
  }
}

}  // namespace peakscope::gpu
