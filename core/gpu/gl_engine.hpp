// The GPU engine: argmax, soft-argmax and peak probability of every channel of a K x H x W
// stack in OpenGL 4.3 compute shaders, plus the softmax map as a texture. Works on whatever
// GL >= 4.3 core context is current (a GLFW window's or a headless EGL one); all calls on
// the thread that owns that context.
//
// Frames stream through a ring of persistently mapped buffers guarded by fences: submit()
// copies a frame into the next free slot and dispatches without waiting for the GPU; poll()
// hands back results once their fence has signalled (read one frame late, no stall).
// decode() is the synchronous form for the CLI.
//
// The engine belongs to the context current when it was created: every call checks that this
// context is current on the calling thread (and not lost) and throws GlError naming the
// problem otherwise, so it never returns a previous frame's results.
#pragma once

#include <epoxy/gl.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/decode.hpp"
#include "core/engine.hpp"
#include "core/gpu/gl_program.hpp"
#include "core/heatmap.hpp"

namespace peakscope::gpu {

struct GpuFrame {
  std::uint64_t id = 0;
  std::vector<Keypoint> keypoints;
  double gpu_ms = -1;  // compute time from GL timer queries (-1 when unavailable)
};

class GlEngine : public Engine {
 public:
  // Compiles the shaders on the current context. Throws GlError naming the cause: no
  // context, GL below 4.3, a missing extension, a shader that fails to compile or link.
  GlEngine();
  // Deletes the GL objects if the engine's context is current; otherwise leaves them to be
  // freed with their context (never touches another context).
  ~GlEngine() override;
  GlEngine(const GlEngine&) = delete;
  GlEngine& operator=(const GlEngine&) = delete;

  // Copies the frame (float32 or uint8, any strides) into the next ring slot, waiting only
  // if that slot's previous frame is still in flight, and dispatches. Returns the frame id.
  // Throws std::invalid_argument for bad input, GlError for a frame too large for the GPU.
  std::uint64_t submit(const HeatmapView& map, const DecodeOptions& opt);
  // The oldest frame in flight: its results if its fence has signalled (or after waiting
  // when wait = true); nullopt when nothing is in flight or (wait = false) not yet done.
  std::optional<GpuFrame> poll(bool wait);
  // submit + wait: the keypoints of this frame.
  std::vector<Keypoint> decode(const HeatmapView& map, const DecodeOptions& opt) override;

  // Writes the softmax map of channel c of the last submitted frame into an r32f texture
  // owned by the engine (valid until the next call) and returns it. No CPU round trip.
  GLuint softmax_texture(int channel);

  // Engine: the softmax map as the engine's r32f texture (decodes `map` first).
  SoftmaxImage softmax(const HeatmapView& map, int c, const DecodeOptions& opt) override;
  SoftmaxImage last_softmax(int c) override;
  Backend kind() const override { return Backend::kGpu; }
  std::string description() const override;

  // Throws GlError unless the engine's context is current on this thread and not lost.
  void check_context(const char* where) const;
  // The context the engine was created on (an EGLContext or GLXContext).
  void* context() const { return context_; }

  std::string renderer() const;
  static constexpr int kSlots = 3;

 private:
  struct Slot {
    GLuint input = 0, partials = 0, betas = 0, results = 0, query = 0;
    void* input_ptr = nullptr;
    void* results_ptr = nullptr;
    std::size_t input_cap = 0, partial_cap = 0, channel_cap = 0;
    GLsync fence = nullptr;
    std::uint64_t id = 0;
    bool busy = false;
    int width = 0, height = 0, channels = 0, groups = 0;
    ElemType type = ElemType::kFloat32;
  };
  void ensure_capacity(Slot& s, std::size_t input_bytes, std::size_t partial_bytes, int channels);
  void wait_fence(Slot& s);
  void set_input_uniforms(const Program& p, const Slot& s) const;
  GpuFrame read_back(Slot& s);

  Program partial_f32_, partial_u8_, max_f32_, max_u8_, combine_, combine_max_;
  Program softmax_f32_, softmax_u8_;
  std::array<Slot, kSlots> slots_{};
  int next_ = 0;   // slot of the next submit
  int last_ = -1;  // slot of the last submit
  std::uint64_t frame_id_ = 0;
  std::vector<int> in_flight_;  // slots in submit order
  GLuint softmax_tex_ = 0;
  int tex_w_ = 0, tex_h_ = 0;
  GLint max_ssbo_bytes_ = 0;
  void* context_ = nullptr;
  bool robust_ = false;                   // glGetGraphicsResetStatus available
  std::vector<Keypoint> last_keypoints_;  // of the last decode(), for last_softmax
  std::string renderer_;
};

}  // namespace peakscope::gpu
