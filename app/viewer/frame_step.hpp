// The viewer's engine work, all of it: Tracy's Worker to the Viewer's View. Each UI frame
// run() decodes the current frame once when it changed, and from that one decode gets the
// softmax maps and raw-values texture of the channels shown, the lab's decoder points and
// gradient, the beta grid of the curves when due, and the comparison with the CPU engine
// when due, as a FrameResults (app/viewer/frame_results.hpp) the state and the views read.
// Captures (sheets) and the beta auto-tune run here too, on the CPU engine. No GL, no ImGui:
// the GPU engine's texture reads come from the Viewer (Policy::read_texture).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "app/viewer/frame_results.hpp"
#include "app/viewer/lab_state.hpp"
#include "app/viewer/viewer_state.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/engine/engine.hpp"
#include "core/io/sheets.hpp"
#include "core/lab/autotune.hpp"

namespace peakscope::viewer {

class FrameStep {
 public:
  // What the window's renderer allows, decided once by the Viewer.
  struct Policy {
    bool scene_on_gpu = false;    // the GPU engine renders the synthetic scene itself
    bool values_texture = false;  // the heatmap view is coloured by shader from the engine's copy
    bool hardware_gl = false;     // a hardware renderer: the curves follow every frame on the GPU
    // Reads an r32f GL texture of w x h into `out` (a GPU engine's softmax maps for the views
    // that gather several channels on the host). Needed only with a GPU engine.
    std::function<void(std::uint32_t texture, int w, int h, float* out)> read_texture;
  };
  // When run() is called.
  struct FrameTime {
    double now_s = 0;          // the UI frame's time
    bool final_frame = false;  // a scripted run's last frame (it always gets its curves)
  };

  FrameStep();  // a default Policy: what a CPU engine needs
  explicit FrameStep(Policy policy);

  // The engine the viewer decodes with, and why it is not the one asked for ("" when it is).
  // Drops the held decode: the state must decode again (ViewerState::set_engine says so).
  void set_engine(std::unique_ptr<Engine> engine, std::string reason);
  Backend engine_kind() const { return engine_->kind(); }
  std::string engine_description() const { return engine_->description(); }

  // One UI frame's engine work for `st` (read only): the decode when st.needs_decode(), then
  // the lab's work, the curves and the comparison when due, all on that frame's decode.
  // The results stay valid until the next run() (their buffers are reused).
  const FrameResults& run(const ViewerState& st, const FrameTime& clock);

  // ---- The parts of run(), each on the held decode (the unit tests call them directly).
  // Decodes `f` under `opt` and holds the decode (the engine renders a synthetic scene itself
  // where the policy says so). A failure drops the held decode and says why.
  DecodeResult decode(const io::Frame& f, const DecodeOptions& opt);
  // The maps of the views of channel `shown` (-1: all) of the held decode of `f`, into `out`.
  void view_maps(const io::Frame& f, int shown, ViewMaps& out) const;
  // The lab's work `w` on the held decode of `f`, whose keypoints are `kps` under `opt`.
  LabResults lab(const LabWork& w, const io::Frame& f, const std::vector<Keypoint>& kps,
                 const DecodeOptions& opt) const;
  // The held decode at `betas`, and the windows of `window_radius` when it is >= 0.
  CurveResults curves(const std::vector<double>& betas, bool normalize, bool debiased,
                      int window_radius) const;

  // ---- On the CPU engine.
  // What a sheet shows besides the frame: the decode options, the style (the view's softmax
  // scale, the colour map, the size factor), how all channels are laid out, the lab's
  // decoders (marked beside argmax and soft-argmax) and the title (source, model, frame).
  struct SheetRequest {
    DecodeOptions opt;
    io::SheetStyle style;
    io::SheetLayout all_channels = io::SheetLayout::kMax;
    std::vector<DecoderKind> decoders;
    DecoderParams params;
    std::string title;
  };
  // The comparison sheet of channel c of `f`, or of every channel (c = -1) as the request's
  // all_channels layout (core/io/sheets.hpp).
  io::Figure sheet(const io::Frame& f, int c, const SheetRequest& rq);
  // The compact beta-grid sheet of channel c (>= 0) of `f` at 0.1 ... 1000 and `rq.opt.beta`.
  io::Figure beta_grid_sheet(const io::Frame& f, int c, const SheetRequest& rq);
  // The beta minimising the mean soft-argmax error over `samples` (core/lab/autotune.hpp).
  // Throws std::invalid_argument when samples is empty.
  BetaTune auto_tune(const std::vector<TuneSample>& samples, bool normalize);

 private:
  bool curves_due(const ViewerState& st, const std::vector<Keypoint>& kps,
                  const FrameTime& clock) const;
  std::optional<ViewerState::Comparison> compare(const ViewerState& st,
                                                 const std::vector<Keypoint>& kps, double now_s);

  Policy policy_;
  std::unique_ptr<Engine> engine_;
  std::string reason_;                   // set_engine's reason
  std::optional<DecodedFrame> decoded_;  // the current frame's one decode (its queries too)
  CpuEngine cpu_;                        // the comparison, the sheets, the auto-tune
  FrameResults results_;
  double last_curve_t_ = -1e9, last_compare_t_ = -1e9;
  double curve_cost_s_ = 0;  // what the last curves took
};

}  // namespace peakscope::viewer
