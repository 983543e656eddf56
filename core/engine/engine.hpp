// The decoding engine interface. Two implementations give the same results (within 1e-3 px
// of core/reference): CpuEngine (core/cpu/cpu_engine.hpp) and the GL compute engine
// (core/gpu/). Callers (CLI, viewer, benchmark) hold an Engine and never branch on which one
// runs; core/engine/select_engine.hpp picks one at run time and says why.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/decode.hpp"
#include "core/heatmap.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/peak_window.hpp"
#include "core/scene.hpp"

namespace peakscope {

// Which engine a user asks for. kAuto lets select_engine decide.
enum class Backend { kAuto, kGpu, kCpu };
// "auto", "gpu", "cpu"; throws std::invalid_argument naming the value otherwise.
Backend parse_backend(std::string_view s);
const char* backend_name(Backend b);

// The softmax map p of one channel (H x W, row-major, summing to 1) as the engine holds it:
// CPU engines fill `cpu` (valid until the engine's next call); GPU engines fill `gl_texture`
// (an r32f texture on the engine's context, valid until its next call) and leave cpu null.
struct SoftmaxImage {
  const float* cpu = nullptr;
  std::uint32_t gl_texture = 0;
  int width = 0, height = 0;
  Keypoint keypoint;  // the channel's keypoint under the same options
};

// The last frame decoded at several betas (Engine::last_beta_grid): keypoints[j][c] at
// betas[j]; debiased[j][c] the debiased soft-argmax (core/lab/debiased.hpp) at betas[j]
// when asked for (else empty).
struct BetaGrid {
  std::vector<double> betas;
  bool normalize = true;
  std::vector<std::vector<Keypoint>> keypoints;
  std::vector<std::vector<DecodedPoint>> debiased;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Decodes every channel of `map`, one Keypoint per channel. Throws std::invalid_argument
  // for an invalid view or options. One call at a time per engine (not thread-safe).
  virtual std::vector<Keypoint> decode(const HeatmapView& map, const DecodeOptions& opt) = 0;

  // The softmax map of channel c of `map`, 0 <= c < map.channels.
  virtual SoftmaxImage softmax(const HeatmapView& map, int c, const DecodeOptions& opt) = 0;

  // Decodes the synthetic scene's current frame: the one-channel sum as Scene::render(type)
  // makes it, or one channel per subject (Scene::render_per_subject). This default renders it
  // on the CPU; the GPU engine renders it on the GPU straight into device memory, so the
  // frame never crosses from the host. last_softmax then refers to this frame.
  virtual std::vector<Keypoint> decode_scene(const Scene& scene, bool per_subject, ElemType type,
                                             const DecodeOptions& opt);

  // ---- Frames written straight into the engine's memory (no copy of a host frame). A
  // source writes the next frame into the view acquire_frame hands out, then
  // decode_acquired decodes it; callers never branch on the engine. The GPU engine hands out
  // its next mapped staging slot (planes padded: channel_stride may exceed width * height;
  // on a discrete GPU it is write-combined memory: write it, do not read it back); the CPU
  // engine a buffer it owns. Contract: nothing else is called on the engine between the two.

  // Memory for a K x H x W frame of `type`, to be written before decode_acquired (the engine
  // reads it from then on, until its next acquire_frame or decode). A GPU engine that cannot
  // take the frame (beyond its limits) may hand out CPU memory instead. Throws
  // std::invalid_argument for non-positive sizes.
  virtual MutableHeatmapView acquire_frame(ElemType type, int width, int height, int channels);
  // Decodes the frame written into the last acquire_frame's memory, as decode() would decode
  // it; afterwards last_softmax, last_values_texture and the lab's primitives refer to it.
  // Throws std::logic_error without a preceding acquire_frame, std::invalid_argument for bad
  // options.
  virtual std::vector<Keypoint> decode_acquired(const DecodeOptions& opt);

  // The softmax map of channel c of the frame passed to the last decode(), without decoding
  // it again (the viewer decodes once per frame and then shows one channel). Same options as
  // that decode. CPU engines read the frame again: the caller keeps its data alive and
  // unchanged until then. Throws std::logic_error before any decode, std::out_of_range for c.
  virtual SoftmaxImage last_softmax(int c) = 0;

  // Channel c of the frame of the last decode as the engine holds it on the GPU: an r32f
  // texture of the raw values (uint8 as 0..255) on the engine's context, valid until its next
  // call, so a viewer colours the heatmap by a shader without uploading the frame again.
  // 0 when the engine holds no GPU copy (CPU engines).
  virtual std::uint32_t last_values_texture(int c) {
    (void)c;
    return 0;
  }

  // ---- The decoding lab's primitives (core/lab/lab.hpp puts them together), all on the
  // frame of the last decode() or decode_scene() and relative to that decode's keypoints. The
  // GPU engine keeps the frame on the device and reads back only what is asked for; the CPU
  // engine reads the frame again (the caller keeps it alive, as for last_softmax). None of
  // them changes what last_softmax or last_values_texture refer to. Throw std::logic_error
  // before any decode; the defaults throw std::logic_error (an engine without the lab).

  // The window of radius r (0 <= r <= 64) around each channel's argmax: one per channel of the
  // last frame; a channel with no valid pixel gets a PeakWindow with no values.
  virtual std::vector<PeakWindow> last_windows(int radius);
  // The maximum of channel c of the last frame blurred as DARK blurs it
  // (core/lab/dark.hpp blurred_max; kernel odd, 1..101).
  virtual double last_blurred_max(int c, int kernel);
  // The last frame decoded at every beta of `betas` (each accepted by validate_beta), with or
  // without normalise, and when `debiased` the debiased soft-argmax of every channel at each
  // beta. On the GPU one submission for the whole (channel, beta) grid.
  virtual BetaGrid last_beta_grid(const std::vector<double>& betas, bool normalize, bool debiased);

  // Backend::kCpu or Backend::kGpu: what runs now (a GPU engine that fell back says kCpu).
  virtual Backend kind() const = 0;
  // Which engine decoded the last frame (kCpu or kGpu): an engine that falls back at run
  // time moves that frame and later ones to the CPU, and the CLI reports it per frame.
  virtual Backend last_decode_backend() const { return kind(); }
  // Empty while the engine asked for runs; otherwise why the CPU took over.
  virtual std::string fallback_reason() const { return {}; }
  // One line for readouts and logs, e.g. "CPU (AVX2, 2 threads)" or "GPU (NVIDIA H200 ...)".
  virtual std::string description() const = 0;

 private:
  Heatmap scene_frame_;     // decode_scene's frame (last_softmax of a CPU engine reads it)
  Heatmap acquired_frame_;  // the default acquire_frame's memory (reused while the shape holds)
  bool acquired_ = false;   // acquire_frame handed it out and decode_acquired has not run
};

}  // namespace peakscope
