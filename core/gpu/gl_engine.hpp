// The GPU engine: argmax, soft-argmax and peak probability of every channel of a K x H x W
// stack in OpenGL 4.3 compute shaders, plus the softmax map as a texture. Works on whatever
// GL >= 4.3 core context is current (a GLFW window's or a headless EGL one); all calls on
// the thread where that context is current.
//
// Where frames live (CONVENTIONS 18): on a discrete GPU a persistently mapped buffer is host
// memory, so every frame is copied from a mapped staging slot into a device-local buffer
// (immutable storage, no map bits) by glCopyBufferSubData (a DMA) and the shaders read only
// device memory; each ring slot has its own staging and device buffers, so the copy of frame
// N+1 is queued behind nothing of frame N. Where host and device memory are one (software
// rasterisers, integrated GPUs) the shaders read the staging slot in place. description()
// says which. Frames made on the GPU (submit_scene) never touch host memory.
//
// Frames stream through the ring guarded by fences: submit() fills the next free slot and
// dispatches without waiting; poll() hands back results once their fence has signalled (read
// one frame late, no stall). decode() is the synchronous form.
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
#include "core/scene.hpp"

namespace peakscope {
class ThreadPool;
}

namespace peakscope::gpu {

struct GpuFrame {
  std::uint64_t id = 0;
  std::vector<Keypoint> keypoints;
  double gpu_ms = -1;  // the decode dispatches' time from GL timer queries (-1: unavailable)
};

// A staging slot handed out for a source to write a frame into directly (no extra copy):
// channel c, row y starts at data + (c * plane + y * width) * element size; the planes are
// padded (plane >= width * height) so that every one starts on a 16-byte boundary.
struct StagingView {
  void* data = nullptr;
  ElemType type = ElemType::kFloat32;
  int width = 0, height = 0, channels = 0;
  std::size_t plane = 0;  // elements between channel planes
  // The view of the written frame, for the CPU engine or a reference.
  HeatmapView view() const {
    return {data, type, width, height, channels, width, static_cast<std::ptrdiff_t>(plane)};
  }
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

  // Copies the frame (float32 or uint8, any strides) into the next ring slot (waiting only if
  // that slot's previous frame is still in flight; large frames copied by several threads),
  // moves it to device memory and dispatches. Returns the frame id. Throws
  // std::invalid_argument for bad input, GlError for a frame too large for the GPU.
  std::uint64_t submit(const HeatmapView& map, const DecodeOptions& opt);
  // The next ring slot as writable memory for a K x H x W frame (waits if it is in flight);
  // fill it, then submit_staged(). Throws as submit() does.
  StagingView acquire_staging(ElemType type, int width, int height, int channels);
  std::uint64_t submit_staged(const DecodeOptions& opt);
  // Renders the synthetic scene (core/scene.hpp: the same subjects, FWHM, normalisation and
  // uint8 rounding) on the GPU straight into the next slot's device buffer and dispatches its
  // decode: one channel per subject (each normalised to its own peak) when per_subject, else
  // the one-channel sum normalised to [0, 1]. The frame never touches host memory.
  std::uint64_t submit_scene(const Scene& scene, bool per_subject, ElemType type,
                             const DecodeOptions& opt);
  // The oldest frame in flight: its results if its fence has signalled (or after waiting
  // when wait = true); nullopt when nothing is in flight or (wait = false) not yet done.
  std::optional<GpuFrame> poll(bool wait);
  // Decodes the last submitted frame again from the device buffer, with new options (no
  // upload: a paused viewer moving the beta slider, the benchmark's kernel-only figure).
  GpuFrame decode_resident(const DecodeOptions& opt);
  // submit + wait: the keypoints of this frame.
  std::vector<Keypoint> decode(const HeatmapView& map, const DecodeOptions& opt) override;
  // Reads back the last submitted frame as the CPU sees it (tests of the GPU scene).
  std::vector<std::uint8_t> read_frame();

  // Writes the softmax map of channel c of the last submitted frame into an r32f texture
  // owned by the engine (valid until the next call) and returns it. No CPU round trip.
  GLuint softmax_texture(int channel);
  // The raw values of channel c of the last submitted frame into an r32f texture owned by
  // the engine (valid until the next call), from the frame already on the GPU.
  GLuint values_texture(int channel);

  // Engine: the scene rendered on the GPU (submit_scene) and decoded, waiting for it.
  std::vector<Keypoint> decode_scene(const Scene& scene, bool per_subject, ElemType type,
                                     const DecodeOptions& opt) override;
  // Engine (core/gpu/gl_frames.cpp): the next staging slot as the frame memory
  // (acquire_staging), decoded by submit_staged, waiting for the result.
  MutableHeatmapView acquire_frame(ElemType type, int width, int height, int channels) override;
  std::vector<Keypoint> decode_acquired(const DecodeOptions& opt) override;
  // Engine: the softmax map as the engine's r32f texture (decodes `map` first).
  SoftmaxImage softmax(const HeatmapView& map, int c, const DecodeOptions& opt) override;
  SoftmaxImage last_softmax(int c) override;
  std::uint32_t last_values_texture(int c) override;
  // Engine: the decoding lab's primitives on the last submitted frame (core/gpu/gl_lab.cpp).
  // The frame stays on the device: last_windows reads back only K (2r+1)^2 values (a small
  // dispatch indexes the argmax in the results buffer on the GPU), last_blurred_max reduces
  // the blur on the GPU to one double, and last_beta_grid runs the whole (channel, beta) grid
  // in one submission. They use their own buffers and never advance the ring, so last_softmax,
  // last_values_texture and decode_resident still refer to the same frame and options.
  std::vector<PeakWindow> last_windows(int radius) override;
  double last_blurred_max(int c, int kernel) override;
  BetaGrid last_beta_grid(const std::vector<double>& betas, bool normalize, bool debiased) override;
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
  int next_ = 0;       // slot of the next submit
  int last_ = -1;      // slot of the last submit
  int acquired_ = -1;  // slot handed out by acquire_staging
  std::uint64_t frame_id_ = 0;
  std::vector<int> in_flight_;  // slots in submit order
  GLuint softmax_tex_ = 0, scene_subjects_ = 0;
  std::size_t scene_cap_ = 0;
  int tex_w_ = 0, tex_h_ = 0;
  GLint max_ssbo_bytes_ = 0;
  void* context_ = nullptr;
  bool robust_ = false;                   // glGetGraphicsResetStatus available
  bool copy_ = true;                      // host frames copied to device-local buffers
  bool software_ = false;                 // a software rasteriser (llvmpipe): few workgroups
  std::vector<Keypoint> last_keypoints_;  // of the last decode(), for last_softmax
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
