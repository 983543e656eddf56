#include "app/viewer/viewer.hpp"

#include "app/viewer/panel_lab.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgproc.hpp>

#include "core/engine/select_engine.hpp"
#include "core/io/sheets.hpp"

namespace peakscope::viewer {

namespace {
// The GPU engine renders the synthetic scene itself, in device memory, on hardware GL; on a
// software rasteriser its scene shader (emulated on the CPU) is slower than the worker's
// render. DeviceTraits::scene_on_gpu (PEAKSCOPE_VIEWER_GPU_SCENE=1|0 overrides).
bool gpu_scene_pays() {
  return window_device_traits().scene_on_gpu;
}
// What the window's renderer allows the engine work (decided once, the context current).
FrameStep::Policy step_policy() {
  FrameStep::Policy p;
  p.scene_on_gpu = gpu_scene_pays();
  p.values_texture = gpu_colouring_pays();
  p.hardware_gl = hardware_gl_renderer();
  p.read_texture = [](std::uint32_t texture, int, int, float* out) {
    glBindTexture(GL_TEXTURE_2D, texture);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glGetTexImage(GL_TEXTURE_2D, 0, GL_RED, GL_FLOAT, out);
  };
  return p;
}
}  // namespace

Viewer::Viewer(ViewerState state, bool scripted, std::unique_ptr<io::Source> source,
               io::SourceOptions source_options)
    : st_(std::move(state)),
      scripted_(scripted),
      source_options_(source_options),
      worker_(!scripted, st_.settings().fps(), std::move(source_options)),
      step_(step_policy()) {
  select_engine();
  if (source)
    worker_.start(std::move(source), st_.settings().source());
  else
    worker_.open(st_.settings().source());
}

Viewer::~Viewer() {
  if (recorder_.active()) stop_recording();
}

void Viewer::select_engine() {
  engine_request_ = st_.settings().backend();
  EngineChoice choice =
      peakscope::select_engine(engine_request_, ContextMode::kCurrent, /*quiet=*/true);
  // The reason is printed once per choice, here, and shown in the Engine section.
  if (!choice.reason.empty()) std::fprintf(stderr, "peakscope: %s\n", choice.reason.c_str());
  step_.set_engine(std::move(choice.engine), choice.reason);
  st_.set_engine(step_.engine_kind(), step_.engine_description(), choice.reason);
}

void Viewer::open(const std::string& spec) {
  if (st_.set_source(spec)) worker_.open(spec);
}

void Viewer::take_frames(bool scripted_wait) {
  if (std::string e = worker_.take_error(); !e.empty()) st_.report_error(ErrorKind::kSource, e);
  const bool at_limit = frame_limit_ >= 0 && st_.frames_shown() >= frame_limit_;
  if (!at_limit && st_.want_frame(worker_.generation())) {
    if (std::optional<WorkerFrame> f = worker_.take(scripted_wait ? 10.0 : 0.0)) {
      if (f->generation != st_.source_generation()) {
        const SourceInfo info = worker_.info();
        st_.begin_source(f->generation, info.description, info.frame_count);
        if (!info.warning.empty()) st_.report_error(ErrorKind::kSource, info.warning);
      }
      st_.set_frame(std::move(f->frame));
      return;
    }
  }
  const SourceInfo info = worker_.info();
  if (info.finished && info.generation == st_.source_generation() && !st_.source_ended() &&
      info.queued == 0)
    st_.end_source(info.end_index >= 0 ? info.end_index : info.frames_read);
}

void Viewer::apply(const FrameResults& r) {
  if (r.decoded) {
    const DecodeResult& d = r.decode;
    scene_by_engine_ = d.scene_by_engine;
    if (!d.ok) {
      st_.set_decode_failed(d.error);
    } else {
      // What runs may change after a decode: the labels follow, a new reason is printed once.
      const std::string old_reason = st_.engine_reason();
      const std::string& why = d.fallback_reason;
      if (st_.update_engine(d.backend, d.description, d.reason) && !why.empty() &&
          why != old_reason)
        std::fprintf(stderr, "peakscope: %s\n", why.c_str());
      st_.set_decoded(d.keypoints, d.ms);
      stream_link_.decoded(st_, now_s_);
      try {
        if (!r.views.error.empty()) throw std::runtime_error(r.views.error);
        painter_.paint(*st_.frame(), d.keypoints, r.views, st_.settings(), st_.shown_channel());
      } catch (const std::exception& e) {
        st_.report_error(ErrorKind::kDecode, std::string("cannot draw the views: ") + e.what());
      }
    }
  }
  // The decoding lab: decoders' points (and the gradient) on this frame.
  st_.lab().update(st_.lab_frame(), st_.keypoints(), r.lab);
  if (r.decoded && r.decode.ok && st_.frame())
    eval_.record(st_.source_generation(), *st_.frame(), st_.keypoints(), st_.lab(),
                 st_.settings().beta(), st_.settings().normalize());
  if (r.curves) apply_curves(*r.curves);
  if (r.comparison) st_.set_comparison(*r.comparison);
}

void Viewer::apply_curves(const CurveResults& c) {
  try {
    if (!c.error.empty()) throw std::runtime_error(c.error);
    st_.compute_curve(c.grid);
    st_.lab().compute_curves(c.grid, c.windows);
    if (!c.windows_error.empty()) throw std::runtime_error(c.windows_error);
  } catch (const std::exception& e) {
    st_.report_error(ErrorKind::kDecode, std::string("cannot compute the curves: ") + e.what());
  }
}

void Viewer::auto_tune() {
  const std::vector<TuneSample> samples = st_.lab().tune_samples();
  if (samples.empty()) {
    st_.report_error(ErrorKind::kInput, "auto-tune needs frames with ground truth");
    return;
  }
  st_.lab().set_tuned(step_.auto_tune(samples, st_.settings().normalize()));
  st_.set_beta(st_.lab().tuned().beta);
}

bool Viewer::frame(int fb_width, int fb_height, double now_s) {
  now_s_ = now_s;
  st_.set_now(now_s);
  if (last_frame_t_ >= 0) st_.add_frame_time((now_s - last_frame_t_) * 1e3);
  last_frame_t_ = now_s;
  handle_input();
  take_frames(scripted_);
  st_.set_live_status(worker_.info().status);
  bool more = true;
  if (scripted_) {
    const SourceInfo info = worker_.info();
    // A live stream still waiting for its first frame keeps the run going (until its
    // --stream-timeout); any other source without a frame after the wait ends it.
    const bool waiting_live = !info.finished && !info.status.empty();
    // Paused (--press Space, or a step back) with its frame shown, nothing more would come.
    const bool paused_still = st_.paused() && st_.frame() && !st_.timeline().awaiting();
    if ((frame_limit_ >= 0 && st_.frames_shown() >= frame_limit_) ||
        (info.finished && st_.source_ended()) || (!st_.frame() && !waiting_live) || paused_still)
      more = false;  // still draw the last frame below
  }
  // All the engine work of this frame in one step, then the state and the views read it.
  apply(step_.run(st_, {now_s, scripted_ && !more}));
  stream_link_.tick(st_, now_s);
  update_compare();
  draw(fb_width, fb_height);
  return more;
}

void Viewer::handle_input() {
  // Keys (not while a text field has the keyboard).
  const bool typing = ImGui::GetIO().WantTextInput;
  for (const auto& [key, shift] : keys_)
    if (!typing) st_.press(static_cast<Key>(key), shift);
  keys_.clear();

  if (st_.take_request(Request::kOpen)) worker_.open(st_.settings().source());
  if (st_.take_request(Request::kScreenshot)) request_screenshot();
  if (st_.take_request(Request::kSheet)) request_sheet();
  if (st_.take_request(Request::kBetaGrid)) request_beta_grid();
  if (st_.take_request(Request::kRecordToggle)) {
    if (recording())
      stop_recording();
    else
      start_recording();
  }
  if (st_.take_request(Request::kAutoTune)) auto_tune();
  if (st_.take_request(Request::kCompareSheet)) request_ab_sheet();
  // The timeline: a seek asked for (slider, keys, jump), the loop.
  if (const std::optional<long> to = st_.timeline().take_seek()) worker_.seek(*to);
  worker_.set_loop(st_.timeline().loop());
  if (st_.settings().backend() != engine_request_) select_engine();
  worker_.set_fps(st_.settings().fps());
  worker_.set_hold(st_.settings().hold_s());
}

void Viewer::draw(int fb_width, int fb_height) {
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(static_cast<float>(fb_width), static_cast<float>(fb_height)));
  ImGui::Begin("peakscope", nullptr,
               ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoBringToFrontOnFocus |
                   ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoBackground);
  const ImVec2 sp = ImGui::GetStyle().ItemSpacing;
  layout_.ui_scale = ImGui::GetFontSize() / 13.0f;
  const float controls_w =
      std::min(std::clamp(fb_width * 0.27f, ui_px(280), ui_px(360)), fb_width * 0.5f);
  // The controls column: the sections scroll above; messages (an error, a recording) sit in a
  // footer under them, so a message that comes or goes never moves a control.
  std::string recording_note;
  if (recording())
    recording_note = "recording " + record_path_ + " (" + std::to_string(recorder_.frames()) +
                     " frames; V stops)";
  const float footer_h = messages_height(st_, recording_note, controls_w);
  ImGui::BeginGroup();
  const float column_h = ImGui::GetContentRegionAvail().y;
  ImGui::BeginChild("controls", ImVec2(controls_w, std::max(ui_px(60), column_h - footer_h)), true);
  panel_controls(st_);
  panel_decoders(st_);
  // Last: it appears with the first frame that has ground truth and must not move the controls.
  panel_evaluate(st_, eval_, !source_options_.annotation.ground_truth.empty());
  layout_.controls_overflow = ImGui::GetScrollMaxY();
  ImGui::EndChild();
  if (footer_h > 0) panel_messages(st_, recording_note, controls_w, footer_h - sp.y);
  ImGui::EndGroup();
  layout_.controls = take_noted_controls();
  ImGui::SameLine();
  // The main column: the views (and the docked gradient panel), the legend, the plots.
  ImGui::BeginChild("main", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollbar);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float plots_h = std::clamp(avail.y * 0.28f, ui_px(120), ui_px(230));
  const float legend_h = legend_height(st_, avail.x);
  const SourceInfo info = worker_.info();
  const float strip_h = timeline_height(st_);  // the timeline of a file (panel_timeline.cpp)
  const float views_h = std::max(ui_px(120), avail.y - plots_h - legend_h - strip_h - 2 * sp.y);
  // The gradient panel, when on: in a wide window the third column of the views' row (as tall
  // as the maps it explains, beside them); in a narrow one, where three columns would shrink
  // the maps, the place of the error over time in the plots' row.
  const bool gradient = st_.lab().gradient_on();
  const float third = (avail.x - 2 * sp.x) / 3;
  const bool beside = gradient && third - ui_px(96) >= kGradientBesideMinMap;
  const float views_w = beside ? 2 * third + sp.x : avail.x;
  if (st_.timeline().mode() != CompareMode::kOff && comparer_.ready())  // pin or A/B
    panel_compare(st_, comparer_, {compare_tex_[0].id(), compare_tex_[1].id()}, views_w, views_h,
                  compare_layout_);
  else
    panel_views(st_, painter_.textures(), views_w, views_h, layout_);
  layout_.gradient_min = layout_.gradient_max = ImVec2(0, 0);
  auto dock = [&](float w, float h) {
    layout_.gradient_min = ImGui::GetCursorScreenPos();
    layout_.gradient_max = ImVec2(layout_.gradient_min.x + w, layout_.gradient_min.y + h);
    panel_gradient(st_, w, h, layout_);
  };
  if (beside) {
    ImGui::SameLine();
    dock(third, views_h);
  }
  panel_legend(st_, avail.x, layout_);
  panel_timeline(st_, info);
  const float plots_left = std::max(ui_px(60), ImGui::GetContentRegionAvail().y);
  if (gradient && !beside) {
    const float half = (avail.x - sp.x) * 0.5f;
    dock(half, plots_left);
    ImGui::SameLine();
    panel_plots(st_, half, plots_left, layout_, false);
  } else {
    panel_plots(st_, avail.x, plots_left, layout_);
  }
  ImGui::EndChild();
  ImGui::End();
  if (st_.show_help()) panel_help(st_);
}

std::string Viewer::default_name(const char* kind, const char* ext) const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "peakscope_%s_frame%05ld_beta%g%s", kind,
                st_.frame() ? st_.frame()->index : -1L, st_.settings().beta(), ext);
  namespace fs = std::filesystem;
  // Never overwrite an earlier capture: add a counter when the name exists.
  fs::path p = fs::path(st_.settings().output_dir()) / buf;
  for (int i = 2; fs::exists(p); ++i) {
    std::snprintf(buf, sizeof buf, "peakscope_%s_frame%05ld_beta%g_%d%s", kind,
                  st_.frame() ? st_.frame()->index : -1L, st_.settings().beta(), i, ext);
    p = fs::path(st_.settings().output_dir()) / buf;
  }
  return p.string();
}

void Viewer::request_screenshot(const std::string& path) {
  pending_shot_ = path;
  want_shot_ = true;
}
void Viewer::request_sheet(const std::string& path) {
  pending_sheet_ = path;
  want_sheet_ = true;
}
void Viewer::request_beta_grid(const std::string& path) {
  pending_grid_ = path;
  want_grid_ = true;
}

void Viewer::request_ab_sheet(const std::string& path) {
  pending_ab_ = path;
  want_ab_ = true;
}

void Viewer::update_compare() {
  if (st_.timeline().mode() == CompareMode::kOff) return;
  if (!comparer_.update(st_)) return;
  if (!comparer_.error().empty()) {
    st_.report_error(ErrorKind::kDecode, comparer_.error());
    return;
  }
  try {
    compare_tex_[0].upload(comparer_.left().image);
    compare_tex_[1].upload(comparer_.right().image);
  } catch (const std::exception& e) {
    st_.report_error(ErrorKind::kDecode, std::string("cannot draw the compare view: ") + e.what());
  }
}

void Viewer::save_ab_sheet(const std::string& path) {
  // Off: the A/B sides on the current frame, computed for the sheet alone.
  Timeline& tl = st_.timeline();
  const CompareMode was = tl.mode();
  if (was == CompareMode::kOff) tl.set_mode(CompareMode::kAB);
  comparer_.update(st_);
  tl.set_mode(was);
  if (!comparer_.error().empty()) throw std::runtime_error(comparer_.error());
  io::write_png(path,
                compose_compare_sheet(comparer_.left(), comparer_.right(), comparer_.footer(st_)));
}

void Viewer::start_recording(const std::string& path) {
  record_path_ = path.empty() ? default_name("recording", ".mp4") : path;
  record_pending_ = true;
  st_.set_recording(true);
}

void Viewer::stop_recording() {
  st_.set_recording(false);
  record_pending_ = false;
  try {
    const std::string p = recorder_.stop();
    if (!p.empty()) st_.set_saved(p);
  } catch (const std::exception& e) {
    st_.report_error(ErrorKind::kSave, e.what());
  }
}

// Sheets as the view shows the frame: the softmax scale, the channel or every channel (grid or
// max), the lab's decoders, names and ground truth; .png or .svg by the path (core/io/figure.hpp).
FrameStep::SheetRequest Viewer::sheet_request() const {
  const Settings& s = st_.settings();
  FrameStep::SheetRequest rq;
  rq.opt = s.decode_options();
  rq.style.cmap = s.colormap();
  rq.style.log_softmax = s.softmax_scale() == SoftmaxScale::kLog;
  rq.style.scale = sheet_scale_;
  rq.style.show_argmax = s.marker_visible(MarkerKind::kArgmax);
  rq.style.show_softargmax = s.marker_visible(MarkerKind::kSoftArgmax);
  rq.style.show_truth = s.marker_visible(MarkerKind::kGroundTruth);
  rq.all_channels = s.all_channels_view() == AllChannelsView::kGrid ? io::SheetLayout::kGrid
                                                                    : io::SheetLayout::kMax;
  for (DecoderKind k : kAllDecoders)
    if (k != DecoderKind::kArgmax && k != DecoderKind::kSoftargmax && st_.lab().enabled(k))
      rq.decoders.push_back(k);
  rq.params = st_.lab().params();
  rq.title = std::filesystem::path(s.source()).filename().string();
  if (rq.title.empty()) rq.title = s.source();
  if (!source_options_.model.path.empty())
    rq.title += "  model " + std::filesystem::path(source_options_.model.path).filename().string();
  else if (st_.frame() && st_.frame()->pose)
    rq.title += "  model " + st_.frame()->pose->name;
  return rq;
}

void Viewer::save_sheet(const std::string& path) {
  io::write_figure(path, step_.sheet(*st_.frame(), st_.shown_channel(), sheet_request()));
}

void Viewer::save_beta_grid(const std::string& path) {
  io::write_figure(
      path, step_.beta_grid_sheet(*st_.frame(), std::max(0, st_.shown_channel()), sheet_request()));
}

void Viewer::after_render(int fb_width, int fb_height) {
  cv::Mat window;  // read once per frame when something needs it
  auto read_window = [&]() -> const cv::Mat& {
    if (window.empty()) {
      cv::Mat rgba(fb_height, fb_width, CV_8UC4), flipped;
      glPixelStorei(GL_PACK_ALIGNMENT, 4);
      glReadBuffer(GL_BACK);
      glReadPixels(0, 0, fb_width, fb_height, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data);
      cv::flip(rgba, flipped, 0);
      cv::cvtColor(flipped, window, cv::COLOR_RGBA2BGR);
    }
    return window;
  };
  auto attempt = [&](bool& want, std::string& path, const char* kind, auto&& save) {
    if (!want) return;
    want = false;
    if (!st_.frame()) {
      st_.report_error(ErrorKind::kSave, "nothing to save yet");
      return;
    }
    const std::string p = path.empty() ? default_name(kind) : path;
    try {
      save(p);
      st_.set_saved(p);
    } catch (const std::exception& e) {
      st_.report_error(ErrorKind::kSave, e.what());
    }
  };
  attempt(want_shot_, pending_shot_, "window",
          [&](const std::string& p) { io::write_png(p, read_window()); });
  attempt(want_sheet_, pending_sheet_, "sheet", [&](const std::string& p) { save_sheet(p); });
  attempt(want_grid_, pending_grid_, "betagrid", [&](const std::string& p) { save_beta_grid(p); });
  attempt(want_ab_, pending_ab_, "compare", [&](const std::string& p) { save_ab_sheet(p); });
  if (record_pending_) {
    record_pending_ = false;
    try {
      recorder_.start(record_path_, fb_width, fb_height, scripted_ ? 30.0 : st_.settings().fps());
    } catch (const std::exception& e) {
      st_.set_recording(false);
      st_.report_error(ErrorKind::kSave, e.what());
    }
  }
  // Scripted runs record every frame; live ones in real time.
  if (recorder_.active()) {
    if (scripted_)
      recorder_.add(read_window());
    else
      recorder_.add_at(read_window(), now_s_);
  }
}

}  // namespace peakscope::viewer
