// What decoding returns: the keypoints of one frame, which engine decoded it and why, and the
// frame itself for the queries the viewer and the decoding lab make (the softmax map, the raw
// values as a GPU texture, the windows around each argmax, DARK's blurred maximum, the frame
// at other betas).
//
// Lifetime: a DecodedFrame's values (keypoints, backend, options, shape) are its own and live
// as long as it does; its queries of the frame answer until the engine that decoded it
// acquires or decodes another frame, and from then on throw std::logic_error, so a stale handle
// never reads another frame. A frame decoded from a host view on the CPU engine is read where
// it lies: the caller keeps that memory alive and unchanged while it queries the frame.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/decode.hpp"
#include "core/engine/frame.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/peak_window.hpp"

namespace peakscope {

// Which engine a user asks for. kAuto lets select_engine decide.
enum class Backend { kAuto, kGpu, kCpu };
// "auto", "gpu", "cpu"; throws std::invalid_argument naming the value otherwise.
Backend parse_backend(std::string_view s);
const char* backend_name(Backend b);

// The softmax map p of one channel (H x W, row-major, summing to 1) as the engine holds it:
// the CPU engine fills `cpu`, the GPU engine `gl_texture` (an r32f texture on the engine's
// context) and leaves cpu null. Valid until the next query or decode on the same engine.
struct SoftmaxImage {
  const float* cpu = nullptr;
  std::uint32_t gl_texture = 0;
  int width = 0, height = 0;
  Keypoint keypoint;  // the channel's keypoint under the frame's options
};

// A frame decoded at several betas (DecodedFrame::beta_grid): keypoints[j][c] at betas[j];
// debiased[j][c] the debiased soft-argmax (core/lab/debiased.hpp) at betas[j] when asked for
// (else empty).
struct BetaGrid {
  std::vector<double> betas;
  bool normalize = true;
  std::vector<std::vector<Keypoint>> keypoints;
  std::vector<std::vector<DecodedPoint>> debiased;
};

// An engine's count of frames, which makes its DecodedFrames stale when it moves on.
class FrameGeneration {
 public:
  struct Guard {
    std::weak_ptr<const std::uint64_t> count;
    std::uint64_t at = 0;
  };
  // A new frame: every guard handed out before no longer holds.
  void advance() { ++*count_; }
  Guard guard() const { return {count_, *count_}; }

 private:
  std::shared_ptr<std::uint64_t> count_ = std::make_shared<std::uint64_t>(0);
};

// The queries of one decoded frame, implemented by each engine (core/cpu/cpu_engine.cpp,
// core/gpu/gl_frames.cpp, and the fallback engine's wrapper). DecodedFrame checks its guards
// and arguments before every call and passes the frame's keypoints where they are needed.
class FrameQueries {
 public:
  virtual ~FrameQueries() = default;
  virtual SoftmaxImage softmax(int c, const Keypoint& kp) = 0;
  virtual std::uint32_t values_texture(int c) = 0;
  virtual std::vector<PeakWindow> windows(int radius, const std::vector<Keypoint>& kps) = 0;
  virtual double blurred_max(int c, int kernel) = 0;
  virtual BetaGrid beta_grid(const std::vector<double>& betas, bool normalize, bool debiased) = 0;
};

class DecodedFrame {
 public:
  // What an engine knows about the frame it decoded.
  struct Info {
    std::vector<Keypoint> keypoints;
    FrameShape shape;
    DecodeOptions options;
    Backend backend = Backend::kCpu;  // kCpu or kGpu: the engine that decoded the frame
    std::string fallback_reason;      // why the CPU decoded it when the GPU was asked
    bool made_by_engine = false;      // the engine made the frame itself (the GPU scene)
    double gpu_ms = -1;               // the GPU's decode time from timer queries (-1: none)
  };

  DecodedFrame() = default;  // no frame: every query throws std::logic_error
  // For engines: the frame's values, its queries, and the guard of the engine that decoded it.
  DecodedFrame(Info info, std::shared_ptr<FrameQueries> queries, FrameGeneration::Guard guard);

  const std::vector<Keypoint>& keypoints() const { return info_.keypoints; }
  const FrameShape& shape() const { return info_.shape; }
  const DecodeOptions& options() const { return info_.options; }
  Backend backend() const { return info_.backend; }
  const std::string& fallback_reason() const { return info_.fallback_reason; }
  bool made_by_engine() const { return info_.made_by_engine; }
  double gpu_ms() const { return info_.gpu_ms; }
  // True while the queries below answer (a frame, and its engine has not moved on).
  bool current() const;

  // The softmax map of channel c (0 <= c < channels; std::out_of_range otherwise).
  SoftmaxImage softmax(int c) const;
  // Channel c's raw values (uint8 as 0..255) as an r32f texture on the GPU engine's context,
  // so a viewer colours the heatmap without uploading the frame again; 0 on the CPU engine.
  std::uint32_t values_texture(int c) const;
  // The window of radius r (0 <= r <= 64) around each channel's argmax; a channel with no
  // valid pixel gets a PeakWindow with no values. The GPU reads back only these values.
  std::vector<PeakWindow> windows(int radius) const;
  // Channel c's maximum blurred as DARK blurs it (core/lab/dark.hpp; kernel odd, 1..101).
  double blurred_max(int c, int kernel) const;
  // The frame decoded at every beta of `betas` (each accepted by validate_beta), with or
  // without normalise, and when `debiased` the debiased soft-argmax of every channel at each
  // beta. On the GPU one submission for the whole (channel, beta) grid.
  BetaGrid beta_grid(const std::vector<double>& betas, bool normalize, bool debiased) const;

  // For engines that wrap another (the fallback and auto engines): a second guard (the
  // wrapper's), queries wrapped by the wrapper, and the backend and reason it reports.
  DecodedFrame& guard_with(FrameGeneration::Guard g);
  DecodedFrame& wrap_queries(std::shared_ptr<FrameQueries> q);
  std::shared_ptr<FrameQueries> queries() const { return queries_; }
  DecodedFrame& set_backend(Backend b, std::string reason);

 private:
  FrameQueries& checked(const char* what) const;

  Info info_;
  std::shared_ptr<FrameQueries> queries_;
  std::vector<FrameGeneration::Guard> guards_;
};

}  // namespace peakscope
