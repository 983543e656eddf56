// The scripted parts of a viewer run: `peakscope --frames N` takes N frames and exits, with
// the captures asked for (--screenshot, --sheet, --beta-grid), a recording (--record), keys
// pressed before the first frame (--press), the pointer held at a window pixel (--mouse),
// beta swept over the frames (--sweep-beta), and a JSON report (--report). --press and
// --report also serve an interactive run (keys at start; the report when the window closes).
// main.cpp's loop calls the hooks below in order; nothing here knows GLFW or GL.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/viewer/keys.hpp"

namespace peakscope::viewer {

class Viewer;

// What the command line asked of the run (app/viewer/options.hpp fills it, validated).
struct ScriptOptions {
  long frames = 0;  // --frames: > 0 makes the run scripted; 0 for an interactive run
  std::string screenshot, sheet, beta_grid;  // PNG paths saved after the last frame ("" none)
  std::string ab_sheet;                      // the compare sheet (--ab-sheet), "" none
  std::string record;                        // .mp4 of every frame ("" none; scripted only)
  std::string report;                        // JSON written at the end ("" none)
  std::vector<Key> press;                    // keys pressed before the first frame
  std::vector<double> mouse;                 // the pointer's window pixel X, Y (or empty)
  double sweep_lo = 0, sweep_hi = 0;         // --sweep-beta LO:HI (both > 0), else 0
};

class ScriptedRun {
 public:
  explicit ScriptedRun(ScriptOptions o) : o_(std::move(o)) {}

  bool scripted() const { return o_.frames > 0; }

  // Before the first frame: the frame limit, the recording and the pressed keys.
  void start(Viewer& v) const;
  // Where to put the pointer before each frame's events (--mouse on a scripted run), in
  // window pixels; nullopt to leave it.
  std::optional<std::pair<double, double>> pointer() const;
  // Before each frame is built: the swept beta of the frame about to be shown.
  void before_frame(Viewer& v) const;
  // After each frame is rendered, before Viewer::after_render; `more` is Viewer::frame's
  // answer. True when this is the run's last frame (the loop ends after its after_render):
  // the captures are then requested. A scripted run draws its final frame twice before that
  // (markers and views are laid out from the previous ImGui frame on the first pass).
  bool last_frame(Viewer& v, bool more);
  // After the loop: finishes a recording, prints the error shown (a scripted run whose error
  // says "cannot" fails) and a scripted run's summary, and writes the report. Returns the
  // exit status: `rc`, or 1 for such a failure.
  int finish(Viewer& v, int rc) const;

 private:
  ScriptOptions o_;
  std::vector<long> shown_;  // the index of every frame shown, in order (the report)
  long seen_ = 0;            // frames_shown when last looked
  int settle_ = 0;           // passes of the final frame drawn so far
};

}  // namespace peakscope::viewer
