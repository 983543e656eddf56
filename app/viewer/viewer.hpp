// The viewer: per UI frame it takes the newest frame from the source worker, has FrameStep
// (app/viewer/frame_step.hpp) do the engine work on it (one decode on the one Engine, GPU or
// CPU, chosen at run time), hands the results to the ViewerState and the view painter, and
// runs the panels over the state. GL and ImGui on the main thread only; panels in
// panel_*.cpp.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/viewer/compare.hpp"
#include "app/viewer/eval_tracker.hpp"
#include "app/viewer/frame_step.hpp"
#include "app/viewer/map_texture.hpp"
#include "app/viewer/panels.hpp"
#include "app/viewer/recorder.hpp"
#include "app/viewer/source_worker.hpp"
#include "app/viewer/stream_link.hpp"
#include "app/viewer/view_painter.hpp"
#include "app/viewer/viewer_state.hpp"
#include "core/engine/engine.hpp"
#include "core/io/source.hpp"

namespace peakscope::viewer {

class Viewer {
 public:
  // The gradient panel docks beside the views when each of the three columns leaves a map at
  // least this wide (pixels, beside its colour bar); else in the plots' row.
  static constexpr float kGradientBesideMinMap = 200;

  // `source` is already open (nullptr: open state.settings().source() on the worker);
  // `source_options` apply to every source opened later (drop, Open): the command line's
  // --transform, --model and their options. Needs the window's GL context current.
  Viewer(ViewerState state, bool scripted, std::unique_ptr<io::Source> source,
         io::SourceOptions source_options);
  ~Viewer();

  // One UI frame at time `now_s` (seconds): take a frame (waiting for it when scripted),
  // decode, build the ImGui UI. Returns false when a scripted run has no more frames.
  bool frame(int fb_width, int fb_height, double now_s);
  // Called after ImGui rendered into the back buffer (captures and recording read it).
  void after_render(int fb_width, int fb_height);

  // A file dropped on the window.
  void open(const std::string& spec);
  // A key press or repeat (GLFW key code, Shift held). Queued, so a tap shorter than a frame
  // is not lost; dropped while a text field has the keyboard.
  void key_event(int key, bool shift) { keys_.emplace_back(key, shift); }
  // Scripted runs: take at most n frames from the source.
  void set_frame_limit(long n) { frame_limit_ = n; }

  ViewerState& state() { return st_; }
  const ViewerState& state() const { return st_; }
  const ViewLayout& layout() const { return layout_; }
  const EvalTracker& evaluation() const { return eval_; }
  const ViewTextures& textures() const { return painter_.textures(); }
  // True when the engine rendered the last decoded frame itself (the synthetic scene on the
  // GPU, core/scene_frame.hpp): the frame did not go from the host to the engine.
  bool scene_made_by_engine() const { return scene_by_engine_; }
  int map_width() const { return st_.frame() ? st_.frame()->heatmap.width() : 0; }
  int map_height() const { return st_.frame() ? st_.frame()->heatmap.height() : 0; }

  // Captures (done after the next render). An empty path: a name in the output folder
  // carrying beta and the frame index.
  void request_screenshot(const std::string& path = {});
  void request_sheet(const std::string& path = {});
  void request_beta_grid(const std::string& path = {});
  // The A/B sheet (app/viewer/compare.hpp) of the compare mode shown (A/B, or the pinned frame
  // beside the current one; A/B when neither is on).
  void request_ab_sheet(const std::string& path = {});
  // The frame cache's budget (--cache-mb), in bytes.
  void set_cache_budget(std::size_t bytes) { worker_.set_cache_budget(bytes); }
  // What the timeline's worker knows (the report and the timeline strip read it).
  SourceInfo source_info() const { return worker_.info(); }
  const Comparer& comparer() const { return comparer_; }
  const CompareLayout& compare_layout() const { return compare_layout_; }
  // Recording of the window to .mp4 (an empty path: a name in the output folder), starting
  // with the next render; frames are added after each render; stop_recording() finishes the
  // file (also done by the destructor).
  void start_recording(const std::string& path = {});
  void stop_recording();
  bool recording() const { return recorder_.active() || record_pending_; }
  // Size factor of saved sheets' panels, markers and text (--sheet-scale), > 0.
  void set_sheet_scale(double s) { sheet_scale_ = s; }

 private:
  void select_engine();
  // Keys and the panels' one-shot requests; a new engine when another was asked for.
  void handle_input();
  void take_frames(bool scripted_wait);
  // Hands one frame's engine results to the state, the lab and the views (errors shown).
  void apply(const FrameResults& r);
  void apply_curves(const CurveResults& c);
  void auto_tune();
  // The ImGui UI of this frame: the controls, the views, the plots, help and gradient.
  void draw(int fb_width, int fb_height);
  std::string default_name(const char* kind, const char* ext = ".png") const;
  FrameStep::SheetRequest sheet_request() const;
  void save_sheet(const std::string& path);
  void save_beta_grid(const std::string& path);
  void save_ab_sheet(const std::string& path);
  // The compare mode's panes for this frame, uploaded as textures (panel_compare.cpp).
  void update_compare();

  ViewerState st_;
  bool scripted_;
  io::SourceOptions source_options_;
  SourceWorker worker_;
  FrameStep step_;    // the engine and all its work
  EvalTracker eval_;  // the evaluation panel's figures (app/viewer/eval_tracker.hpp)
  Backend engine_request_ = Backend::kAuto;
  ViewPainter painter_;
  ViewLayout layout_;
  bool scene_by_engine_ = false;  // see scene_made_by_engine()
  long frame_limit_ = -1;
  double now_s_ = 0, last_frame_t_ = -1;
  std::string pending_shot_, pending_sheet_, pending_grid_;
  bool want_shot_ = false, want_sheet_ = false, want_grid_ = false, want_ab_ = false;
  std::string pending_ab_;
  Comparer comparer_;
  CompareLayout compare_layout_;
  FrameTexture compare_tex_[2] = {FrameTexture(GL_NEAREST), FrameTexture(GL_NEAREST)};
  Recorder recorder_;
  bool record_pending_ = false;
  std::string record_path_;
  std::vector<std::pair<int, bool>> keys_;
  double sheet_scale_ = 1;
  StreamLink stream_link_;  // a live stream's back-channel (state and keypoints)
};

}  // namespace peakscope::viewer
