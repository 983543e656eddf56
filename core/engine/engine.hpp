// The decoding engine interface. Two implementations give the same results (within 1e-3 px
// of core/reference): CpuEngine (core/cpu/cpu_engine.hpp) and the GL compute engine
// (core/gpu/gl_engine.hpp). Callers (CLI, viewer, benchmark) hold an Engine and never branch
// on which one runs; core/engine/select_engine.hpp picks one at run time and says why.
//
// One path for every frame (core/engine/frame.hpp): acquire a slot for the frame's shape,
// write the frame into it, decode the slot. What comes back is a DecodedFrame
// (core/engine/decoded_frame.hpp): the keypoints, which engine decoded them and why, and the
// frame's queries, valid until the engine acquires or decodes another frame. One call at a
// time per engine (not thread-safe).
#pragma once

#include <string>

#include "core/decode.hpp"
#include "core/engine/decoded_frame.hpp"
#include "core/engine/frame.hpp"
#include "core/heatmap.hpp"

namespace peakscope {

class Engine {
 public:
  virtual ~Engine() = default;

  // Memory for a frame of `shape`, to be written and then passed to decode(). The GPU engine
  // hands out its next mapped staging slot, the CPU engine a buffer of its own; an engine
  // that cannot take the frame on the GPU may hand out CPU memory instead. Invalidates the
  // engine's earlier DecodedFrames and unused slots. Throws std::invalid_argument for
  // non-positive sizes.
  virtual FrameSlot acquire(const FrameShape& shape) = 0;

  // Decodes every channel of the frame written into `slot`, one Keypoint per channel. Throws
  // std::logic_error for a slot this engine did not hand out (or not its latest),
  // std::invalid_argument for bad options.
  virtual DecodedFrame decode(FrameSlot slot, const DecodeOptions& opt) = 0;

  // A host frame (float32 or uint8, any strides): the same path with a copy into the slot
  // (the CPU engine reads the frame where it lies instead). Throws std::invalid_argument for
  // an invalid view or options.
  virtual DecodedFrame decode(const HeatmapView& frame, const DecodeOptions& opt);

  // A frame that writes itself (core/engine/frame.hpp FrameWriter): acquire, write, decode;
  // an engine that can make the frame itself does (the GPU engine renders the synthetic
  // scene in device memory, so it never crosses from the host).
  virtual DecodedFrame decode(const FrameWriter& source, const DecodeOptions& opt);
  // True when decode(source) makes the frame in the engine's own memory (no host write).
  virtual bool makes_itself(const FrameWriter& source) const {
    (void)source;
    return false;
  }

  // Backend::kCpu or Backend::kGpu: what runs now (a GPU engine that fell back says kCpu).
  virtual Backend kind() const = 0;
  // Empty while the engine asked for runs; otherwise why the CPU took over.
  virtual std::string fallback_reason() const { return {}; }
  // One line for readouts and logs, e.g. "CPU (AVX2, 2 threads)" or "GPU (NVIDIA H200 ...)".
  virtual std::string description() const = 0;

 protected:
  // Checks that `slot` is this engine's latest (ticket) and takes it; throws std::logic_error.
  void take_slot(FrameSlot& slot, std::uint64_t latest_ticket, const char* where) const;

  FrameGeneration generation_;  // advanced by every acquire
};

}  // namespace peakscope
