// The GPU engine: argmax, soft-argmax and peak probability of every channel of a K x H x W
// stack in OpenGL 4.3 compute shaders, plus the softmax map as a texture. Works on whatever
// GL >= 4.3 core context is current (a GLFW window's or a headless EGL one); all calls on
// the thread where that context is current.
//
// Where frames live: on a discrete GPU a persistently mapped buffer is host
// memory, so every frame is copied from a mapped staging slot into a device-local buffer
// (immutable storage, no map bits) by glCopyBufferSubData (a DMA) and the shaders read only
// device memory; each ring slot has its own staging and device buffers, so the copy of frame
// N+1 is queued behind nothing of frame N. Where host and device memory are one (software
// rasterisers, integrated GPUs) the shaders read the staging slot in place. description()
// says which. Frames made on the GPU (the synthetic scene, core/gpu/gl_scene.cpp) never touch
// host memory.
//
// Every frame enters through acquire(): the next ring slot's mapped staging memory, which the
// source writes. decode(slot) dispatches and waits; submit(slot) dispatches without waiting
// and poll() hands back results once their fence has signalled (read one frame late, no
// stall), which is how a live source overlaps the copy of frame N+1 with the decode of N.
//
// The engine belongs to the context current when it was created: every call checks that this
// context is current on the calling thread (and not lost) and throws GlError naming the
// problem otherwise, so it never returns a previous frame's results.
#pragma once

#include <epoxy/gl.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/decode.hpp"
#include "core/engine/engine.hpp"
#include "core/gpu/device_traits.hpp"  // Placement
#include "core/gpu/gl_program.hpp"
#include "core/heatmap.hpp"

namespace peakscope {
class SceneFrame;
class ThreadPool;
}  // namespace peakscope

namespace peakscope::gpu {

struct GpuFrame {
  std::uint64_t id = 0;
  std::vector<Keypoint> keypoints;
  double gpu_ms = -1;  // the decode dispatches' time from GL timer queries (-1: unavailable)
};

class GlEngine : public Engine {
 public:
  // Compiles the shaders on the current context. Throws GlError naming the cause: no
  // context, GL below 4.3, a missing extension, a shader that fails to compile or link.
  explicit GlEngine(Placement placement = Placement::kAuto);
  // Deletes the GL objects if the engine's context is current; otherwise leaves them to be
  // freed with their context (never touches another context).
  ~GlEngine() override;
  GlEngine(const GlEngine&) = delete;
  GlEngine& operator=(const GlEngine&) = delete;

  // Engine: the next ring slot's mapped staging memory (waiting only if that slot's previous
  // frame is still in flight), planes padded to 16 elements. Throws GlError for a frame too
  // large for the GPU.
  FrameSlot acquire(const FrameShape& shape) override;
  // Engine: submit + wait for the slot's frame.
  DecodedFrame decode(FrameSlot slot, const DecodeOptions& opt) override;
  // Engine: acquire, then a copy into the slot (large frames copied by several threads).
  DecodedFrame decode(const HeatmapView& frame, const DecodeOptions& opt) override;
  // Engine: the synthetic scene (core/scene_frame.hpp) rendered on the GPU straight into the
  // next slot's device buffer (the same subjects, FWHM, normalisation and uint8 rounding as
  // core/scene.hpp); other sources write through acquire().
  DecodedFrame decode(const FrameWriter& source, const DecodeOptions& opt) override;
  bool makes_itself(const FrameWriter& source) const override;
  using Engine::decode;

  // Moves the slot's frame to device memory and dispatches its decode without waiting;
  // returns the frame id, whose results poll() hands back.
  std::uint64_t submit(FrameSlot slot, const DecodeOptions& opt);
  // A host frame the same way: acquire, copy into the slot, submit.
  std::uint64_t submit(const HeatmapView& frame, const DecodeOptions& opt);
  // The oldest frame in flight: its results if its fence has signalled (or after waiting
  // when wait = true); nullopt when nothing is in flight or (wait = false) not yet done.
  std::optional<GpuFrame> poll(bool wait);
  // Decodes the last submitted frame again from the device buffer, with new options (no
  // upload: the benchmark's kernel-only figure). Invalidates earlier DecodedFrames.
  GpuFrame decode_resident(const DecodeOptions& opt);
  // Reads back the last submitted frame as the CPU sees it (tests of the GPU scene).
  std::vector<std::uint8_t> read_frame();

  Backend kind() const override { return Backend::kGpu; }
  std::string description() const override;

  // Throws GlError unless the engine's context is current on this thread and not lost.
  void check_context(const char* where) const;
  // The context the engine was created on (an EGLContext or GLXContext).
  void* context() const { return context_; }
  // True when host frames are copied into device-local buffers (a discrete GPU).
  bool copies_to_device() const { return copy_; }

  std::string renderer() const;
  static constexpr int kSlots = 3;

 private:
  class Frame;
  friend class Frame;
  struct Slot {
    GLuint staging = 0, device = 0, partials = 0, scales = 0, results = 0, scratch = 0, query = 0;
    void* staging_ptr = nullptr;
    void* results_ptr = nullptr;
    std::size_t staging_cap = 0, device_cap = 0, partial_cap = 0, channel_cap = 0, scratch_cap = 0;
    GLsync fence = nullptr;
    std::uint64_t id = 0;
    bool busy = false;
    int width = 0, height = 0, channels = 0;
    std::size_t plane = 0, bytes = 0, vecs_per_group = 0;
    GLuint groups = 0;
    ElemType type = ElemType::kFloat32;
    bool on_device = false;  // the frame's data is in `device` (else in `staging`)
  };
  Slot& next_slot(ElemType type, int width, int height, int channels, bool staging);
  void ensure_staging(Slot& s, std::size_t bytes);
  void ensure_device(Slot& s, std::size_t bytes);
  void ensure_work(Slot& s, std::size_t partial_bytes, int channels);
  void wait_fence(Slot& s);
  void set_frame_uniforms(const Program& p, const Slot& s) const;
  void dispatch_decode(Slot& s, const DecodeOptions& opt);
  std::uint64_t finish_submit(Slot& s);
  std::uint64_t stage_and_dispatch(Slot& s, const DecodeOptions& opt);
  // Waits for frame `id` (dropping the results of earlier frames still in the ring).
  GpuFrame wait_for(std::uint64_t id, const char* where);
  // The decoded frame of the last submit, whose queries read that slot.
  DecodedFrame frame_of(GpuFrame f, const DecodeOptions& opt, bool made_here);
  std::uint64_t submit_scene(const SceneFrame& scene, const DecodeOptions& opt);
  // The queries of the last submitted frame (DecodedFrame guards that it is still the last):
  // the softmax map and raw values of channel c as r32f textures owned by the engine (valid
  // until the next call; core/gpu/gl_textures.cpp), and the lab's primitives
  // (core/gpu/gl_lab.cpp), which use their own buffers and never advance the ring.
  GLuint softmax_texture(int channel);
  GLuint values_texture(int channel);
  std::vector<PeakWindow> lab_windows(int radius);
  double lab_blurred_max(int c, int kernel);
  BetaGrid lab_beta_grid(const std::vector<double>& betas, bool normalize, bool debiased);
  GpuFrame read_back(Slot& s);
  GLuint map_texture(int channel, bool values);
  void copy_in(const HeatmapView& map, const Slot& s);
  std::size_t vecs_per_group(std::size_t nvec, int channels) const;

  Program partial_f32_, partial_u8_, max_f32_, max_u8_, combine_, combine_max_;
  Program values_f32_, values_u8_;
  GLuint values_tex_ = 0;
  int values_w_ = 0, values_h_ = 0;
  Program softmax_f32_, softmax_u8_, scene_f32_, scene_u8_, scene_sum_, scene_store_f32_,
      scene_store_u8_;
  std::array<Slot, kSlots> slots_{};
  int next_ = 0;              // slot of the next submit
  int last_ = -1;             // slot of the last submit
  int acquired_ = -1;         // slot handed out by acquire
  std::uint64_t ticket_ = 0;  // of the last acquire
  std::uint64_t frame_id_ = 0;
  std::vector<int> in_flight_;  // slots in submit order
  GLuint softmax_tex_ = 0, scene_subjects_ = 0;
  std::size_t scene_cap_ = 0;
  int tex_w_ = 0, tex_h_ = 0;
  GLint max_ssbo_bytes_ = 0;
  void* context_ = nullptr;
  bool robust_ = false;    // glGetGraphicsResetStatus available
  bool copy_ = true;       // host frames copied to device-local buffers
  bool software_ = false;  // a software rasteriser (llvmpipe): few workgroups
  std::string renderer_;
  std::unique_ptr<ThreadPool> pool_;  // splits large copies into staging
  // The lab's programs (compiled on first use) and buffers (core/gpu/gl_lab.cpp); the deleter
  // frees the GL objects only when the engine's context is current.
  struct Lab;
  struct LabDeleter {
    void operator()(Lab* lab) const;
  };
  std::unique_ptr<Lab, LabDeleter> lab_;
  Lab& lab();
};

}  // namespace peakscope::gpu
