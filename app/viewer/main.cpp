// peakscope: the live viewer. GLFW window + Dear ImGui + one decoding engine (the GPU engine
// on the window's context, or the CPU engine where it cannot run or is slower).
//
// Scriptable: `peakscope --beta 50 --frames 60 --screenshot out.png [--sheet s.png]
// [--record out.mp4]` runs N frames, saves, and exits (settings are then neither loaded nor
// saved). The flags: app/viewer/options.hpp; the scripted run: app/viewer/scripted_run.hpp;
// the window: app/viewer/app_window.hpp.
#include <cstdio>
#include <memory>
#include <string>

#include "app/viewer/app_window.hpp"
#include "app/viewer/options.hpp"
#include "app/viewer/scripted_run.hpp"
#include "app/viewer/source_worker.hpp"
#include "app/viewer/viewer.hpp"
#include "core/io/output_file.hpp"

namespace {

using namespace peakscope;
using namespace peakscope::viewer;

// The first source. One that cannot be opened ends a scripted run (nullptr); an interactive
// run shows the synthetic scene instead and `error` says why.
std::unique_ptr<io::Source> open_first_source(const ViewerOptions& o, std::string& error) {
  try {
    // Off this thread, with a timeout: a settings source that blocks (a FIFO with no writer,
    // a device, a camera that does not answer) must not keep the window from opening.
    return open_source_within(o.settings.source(), o.source_options, kOpenTimeoutS);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peakscope: %s\n", e.what());
    if (o.script.frames > 0) return nullptr;
    error = std::string(e.what()) + " (showing the synthetic scene)";
    return io::make_synthetic_source({});  // the viewer keeps running on the default
  }
}

// The Viewer on the window's context, started as the options say; nullptr (after printing
// why) when it cannot start.
std::unique_ptr<Viewer> start_viewer(const ViewerOptions& o, std::unique_ptr<io::Source> src,
                                     const std::string& source_error, const ScriptedRun& script) {
  try {
    ViewerState state(o.settings);
    state.set_show_frame(o.show_frame);
    state.set_grid_shift(o.grid_shift_x, o.grid_shift_y);
    state.set_drawn_channels(o.drawn_channels);
    for (DecoderKind k : o.lab_decoders) state.lab().set_enabled(k, true);
    state.lab().set_gradient_on(o.gradient_view);
    // The timeline: the loop (on in the window, off in a scripted run unless asked), the first
    // frame, a frame to pin, the A/B sides.
    Timeline& tl = state.timeline();
    tl.set_loop(o.timeline.loop.value_or(!script.scripted()));
    if (o.timeline.seek >= 0) tl.request_seek(o.timeline.seek);
    if (o.timeline.pin >= 0) tl.pin_when_shown(o.timeline.pin);
    if (o.timeline.a) {
      tl.set_side('A', *o.timeline.a);
      tl.set_side('B', *o.timeline.b);
      tl.set_mode(CompareMode::kAB);
    }
    auto v = std::make_unique<Viewer>(std::move(state), script.scripted(), std::move(src),
                                      o.source_options);
    v->set_cache_budget(o.timeline.cache_mb << 20);
    v->set_sheet_scale(o.sheet_scale);
    if (!source_error.empty()) v->state().report_error(ErrorKind::kSource, source_error);
    script.start(*v);
    return v;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peakscope: cannot start the viewer: %s\n", e.what());
    return nullptr;
  }
}

// One UI frame after another until the window closes or the scripted run ends.
void run(AppWindow& win, Viewer& v, ScriptedRun& script) {
  while (!win.should_close()) {
    if (const auto p = script.pointer()) win.set_pointer(p->first, p->second);
    win.poll(v);
    script.before_frame(v);
    win.set_ui_scale(v.state().settings().ui_scale());
    int w = 0, h = 0;
    win.begin_frame(w, h);
    const bool more = v.frame(w, h, win.time());
    win.render(w, h);
    const bool last = script.last_frame(v, more);
    v.after_render(w, h);
    win.swap();
    if (last) break;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // A signal still removes the temporary file of a recording or a save in progress.
  io::remove_temporaries_on_signals();
  ViewerOptions o;
  if (const std::optional<int> rc = parse_options(argc, argv, o)) return *rc;
  std::string source_error;
  std::unique_ptr<io::Source> src = open_first_source(o, source_error);
  if (!src) return 1;
  AppWindow win(o.width, o.height, o.script.frames > 0);
  if (!win.ok()) return 1;
  ScriptedRun script(o.script);
  std::unique_ptr<Viewer> v = start_viewer(o, std::move(src), source_error, script);
  if (!v) return 1;  // the window closes after the Viewer (it holds GL objects)
  run(win, *v, script);
  const int rc = script.finish(*v, 0);
  if (!script.scripted()) {
    try {
      save_settings(o.settings_path, v->state().settings());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "peakscope: %s\n", e.what());
    }
  }
  return rc;
}
