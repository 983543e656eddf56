// What the engine work of one UI frame produced (FrameStep, app/viewer/frame_step.hpp): plain
// values the Viewer hands to the ViewerState, the LabState and the view painter, which only
// read them. Each part says whether it is new this frame; a part not due is left empty.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/viewer/lab_state.hpp"
#include "app/viewer/viewer_state.hpp"
#include "core/decode.hpp"
#include "core/engine/engine.hpp"
#include "core/lab/peak_window.hpp"

namespace peakscope::viewer {

// The decode of the current frame and the engine that made it.
struct DecodeResult {
  bool ok = false;
  std::string error;                // why the decode failed (ok false)
  std::vector<Keypoint> keypoints;  // one per channel (ok true)
  double ms = 0;                    // the decode's wall time
  Backend backend = Backend::kCpu;  // what runs after the decode (auto may have switched)
  std::string description;          // its readout line (says when the GPU made the scene)
  std::string reason;               // why it is not the engine asked for ("" when it is)
  std::string fallback_reason;      // the engine's own reason when it fell back, else ""
  bool scene_by_engine = false;     // the engine rendered the synthetic scene itself
};

// The maps the two views colour, from the decode. channel: the one channel shown (the shown
// channel, or 0 for a one-channel map), or -1 when several are.
struct ViewMaps {
  int channel = -1;
  // That channel's raw values as an r32f GL texture on the engine's context when the heatmap
  // is coloured by shader (a GPU engine, colouring on the GPU pays); 0: colour on the CPU.
  std::uint32_t values_texture = 0;
  // That channel's softmax map as an r32f GL texture on the engine's context (a GPU engine);
  // 0 when the maps are on the host below.
  std::uint32_t softmax_texture = 0;
  // Else softmax[c]: channel c's W x H softmax map on the host, for every channel shown
  // (only `channel` when one is; other entries are stale). Buffers are reused frame to frame.
  std::vector<std::vector<float>> softmax;
  std::string error;  // why the maps could not be had (the views are not redrawn)
};

// The error-vs-beta curves' inputs: the frame decoded at the curve's betas, and the windows
// of the window decoder (one per channel, when it is shown).
struct CurveResults {
  BetaGrid grid;
  std::vector<PeakWindow> windows;
  std::string error;          // the grid failed: no curves
  std::string windows_error;  // the grid came, the windows did not: no lab curves
};

struct FrameResults {
  bool decoded = false;  // this frame was decoded: decode and views are new
  DecodeResult decode;
  ViewMaps views;
  LabResults lab;  // the lab's due points and gradient (LabResults::key says for what)
  std::optional<CurveResults> curves;                 // when the curves were due
  std::optional<ViewerState::Comparison> comparison;  // when the check was due
};

}  // namespace peakscope::viewer
