// The frame loop of decode and sweep, written once: frames until the source ends, a frame
// limit or a signal, with the progress bar, the failure caught part-way and the outcome
// decided by end_of_run (core of every exit code); and how a frame reaches the engine.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/engine/engine.hpp"
#include "core/io/source.hpp"

namespace peakscope::cli {

struct RunOutcome {
  long frames = 0;      // frames handled
  std::string stopped;  // the source's ended_short() text
  std::string error;    // empty on success
  int code = 0;         // kExitOk, kExitBadInput or 128 + signal
};

// Calls `step` until it returns false (the source ended), `max_frames` frames were handled
// (-1: no limit) or a signal arrives. `total` sizes the progress bar (<= 0: unknown). A
// UsageError thrown by step propagates; any other exception ends the loop as bad input.
RunOutcome run_frames(const std::string& input, io::Source& src, long max_frames, long total,
                      bool allow_truncated, const std::function<bool()>& step);

// The next frame of `src` decoded on `engine`, by the one path (core/engine/frame.hpp):
// written straight into the engine's slot when the source can say its shape first (unless
// host_frames), made by the engine when it is the synthetic scene without pixels
// (gpu-synthetic), otherwise a host frame the engine copies. nullopt at the end.
struct DecodedSourceFrame {
  io::Frame frame;
  DecodedFrame decoded;
};
std::optional<DecodedSourceFrame> next_decoded(io::Source& src, Engine& engine,
                                               const DecodeOptions& opt, bool host_frames);

}  // namespace peakscope::cli
