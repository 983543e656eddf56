#include "app/viewer/viewer.hpp"

#include "app/viewer/panel_lab.hpp"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <string_view>

#include "core/engine/select_engine.hpp"
#include "core/io/sheets.hpp"

namespace peakscope::viewer {

using Clock = std::chrono::steady_clock;
namespace {
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}
// On the CPU engine (and a software rasteriser) the curves are recomputed at most this often
// while frames arrive (25 decodes of the frame: too many for every frame); a stale curve is
// recomputed within it.
constexpr double kCurvePeriodS = 0.25;
// The comparison decode on the CPU engine while the GPU engine runs.
constexpr double kComparePeriodS = 1.0;
// The GPU engine renders the synthetic scene itself, in device memory, on hardware GL; on a
// software rasteriser its scene shader (emulated on the CPU) is slower than the worker's
// render. DeviceTraits::scene_on_gpu (PEAKSCOPE_VIEWER_GPU_SCENE=1|0 overrides).
bool gpu_scene_pays() {
  return window_device_traits().scene_on_gpu;
}
}  // namespace

Viewer::Viewer(ViewerState state, bool scripted, std::unique_ptr<io::Source> source,
               io::SourceOptions source_options)
    : st_(std::move(state)),
      scripted_(scripted),
      source_options_(source_options),
      worker_(!scripted, st_.settings().fps(), std::move(source_options)) {
  select_engine();
  if (source)
    worker_.start(std::move(source));
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
  engine_ = std::move(choice.engine);
  // The reason is printed once per choice, here, and shown in the Engine section.
  if (!choice.reason.empty()) std::fprintf(stderr, "peakscope: %s\n", choice.reason.c_str());
  initial_reason_ = choice.reason;
  st_.set_engine(engine_->kind(), engine_->description(), choice.reason);
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
      }
      st_.set_frame(std::move(f->frame));
      return;
    }
  }
  const SourceInfo info = worker_.info();
  if (info.finished && info.generation == st_.source_generation() && !st_.source_ended() &&
      st_.frames_read() >= info.frames_read)
    st_.end_source(info.frames_read);
}

void Viewer::decode_current() {
  const io::Frame& fr = *st_.frame();
  const HeatmapView map = fr.heatmap.view();
  const DecodeOptions opt = st_.settings().decode_options();
  const int k = map.channels, sc = st_.shown_channel();
  const AllChannelsView all_view =
      k > 1 && sc < 0 ? st_.settings().all_channels_view() : AllChannelsView::kMax;
  const bool log = st_.settings().softmax_scale() == SoftmaxScale::kLog;
  const io::Colormap cmap = st_.settings().colormap();
  std::vector<Keypoint> kps;
  try {
    // The synthetic scene on the GPU engine: the engine renders the frame itself (the host
    // copy, rendered on the worker, stays for the CPU consumers: comparison, curves, lab).
    scene_by_engine_ = fr.scene && map.channels == 1 && fr.scene->config().width == map.width &&
                       fr.scene->config().height == map.height &&
                       engine_->kind() == Backend::kGpu && gpu_scene_pays();
    const auto t0 = Clock::now();
    kps = scene_by_engine_ ? engine_->decode_scene(*fr.scene, false, map.type, opt)
                           : engine_->decode(map, opt);
    scene_by_engine_ = scene_by_engine_ && engine_->last_decode_backend() == Backend::kGpu;
    const double ms = ms_since(t0);
    // What runs may change after a decode (auto measured both engines; the GPU fell back on
    // a frame beyond its limits): the labels follow, and a new reason is printed once.
    const std::string why = engine_->fallback_reason();
    const std::string old_reason = st_.engine_reason();
    if (st_.update_engine(
            engine_->kind(),
            engine_->description() + (scene_by_engine_ ? "; scene rendered on the GPU" : ""),
            why.empty() ? initial_reason_ : why) &&
        !why.empty() && why != old_reason)
      std::fprintf(stderr, "peakscope: %s\n", why.c_str());
    st_.set_decoded(kps, ms);
  } catch (const std::exception& e) {
    st_.set_decode_failed(e.what());
    return;
  }
  try {
    std::vector<double> heat_min(k, 0.0);
    // Heatmap view.
    const ViewImage heat = heat_image(map, sc, all_view);
    for (int c = 0; c < k; ++c)
      if (sc < 0 || c == sc) heat_min[c] = channel_min(map, c);
    // One channel on a hardware GPU: coloured by a shader from the frame the engine already
    // holds in device memory (no colouring on the CPU, no second upload).
    const int heat_one = sc >= 0 ? sc : (k == 1 ? 0 : -1);
    const std::uint32_t raw =
        heat_one >= 0 && gpu_colouring_pays() ? engine_->last_values_texture(heat_one) : 0;
    if (raw)
      heat_tex_.colorize(raw, map.width, map.height, heat.lo, heat.hi, false, cmap);
    else
      heat_tex_.colorize_cpu(heat.values.data(), heat.width, heat.height, heat.lo, heat.hi, false,
                             cmap);
    const std::string lut = io::colormap_lut_rgb(cmap);
    auto colour = [&](int i) {
      return IM_COL32(static_cast<unsigned char>(lut[3 * i]),
                      static_cast<unsigned char>(lut[3 * i + 1]),
                      static_cast<unsigned char>(lut[3 * i + 2]), 255);
    };
    tex_.heat = {heat_tex_.color(), heat.width, heat.height, 1, 1, heat.tiles, {}};
    tex_.heat_lo = heat.lo;
    tex_.heat_hi = heat.hi;
    tex_.heat_relative = heat.per_tile_scale;
    for (int c = 0; c < k; ++c)
      tex_.heat.peak_colors.push_back(colour(
          heat.per_tile_scale ? 255
                              : colormap_index(kps[c].argmax_value, heat.lo, heat.hi, false)));
    tex_.heat_title = sc >= 0  ? "heatmap, channel " + std::to_string(sc)
                      : k == 1 ? std::string("heatmap")
                      : all_view == AllChannelsView::kMax
                          ? "heatmap, max over " + std::to_string(k) + " channels"
                          : "heatmap, " + std::to_string(k) + " channels (each scaled)";
    // Softmax view: one channel straight from the engine (a GPU texture stays on the GPU);
    // several channels gathered on the CPU.
    const int one = sc >= 0 ? sc : (k == 1 ? 0 : -1);
    SoftmaxImage first;
    if (one >= 0) first = engine_->last_softmax(one);
    if (one >= 0 && first.gl_texture) {
      const double peak = kps[one].peak_probability;
      const double lo = log ? log_scale_floor(kps[one], heat_min[one], opt) : 0.0;
      soft_tex_.colorize(first.gl_texture, map.width, map.height, static_cast<float>(lo),
                         static_cast<float>(std::max(peak, 1e-30)), log, cmap);
      tex_.p_lo = lo;
      tex_.p_hi = peak;
      tex_.p_relative = false;
      tex_.soft = {soft_tex_.color(),
                   map.width,
                   map.height,
                   1,
                   1,
                   std::vector<TileOffset>(k, TileOffset{}),
                   {}};
      for (int c = 0; c < k; ++c)
        tex_.soft.peak_colors.push_back(
            colour(colormap_index(kps[c].peak_probability, static_cast<float>(lo),
                                  static_cast<float>(std::max(peak, 1e-30)), log)));
    } else {
      softmax_cpu_.resize(k);
      std::vector<const float*> p(k, nullptr);
      for (int c = 0; c < k; ++c) {
        if (one >= 0 && c != one) continue;
        const SoftmaxImage s = (one >= 0) ? first : engine_->last_softmax(c);
        std::vector<float>& buf = softmax_cpu_[c];
        buf.resize(map.pixels());
        if (s.cpu) {
          std::copy(s.cpu, s.cpu + map.pixels(), buf.begin());
        } else {  // a GPU texture: read back (only for the multi-channel views)
          glBindTexture(GL_TEXTURE_2D, s.gl_texture);
          glPixelStorei(GL_PACK_ALIGNMENT, 4);
          glGetTexImage(GL_TEXTURE_2D, 0, GL_RED, GL_FLOAT, buf.data());
        }
        p[c] = buf.data();
      }
      const ViewImage soft = softmax_image(p, kps, heat_min, map.width, map.height, sc, all_view,
                                           st_.settings().softmax_scale(), opt);
      soft_tex_.colorize_cpu(soft.values.data(), soft.width, soft.height, soft.lo, soft.hi, log,
                             cmap);
      tex_.p_lo = soft.p_lo;
      tex_.p_hi = soft.p_hi;
      tex_.p_relative = soft.per_tile_scale;
      tex_.soft = {soft_tex_.color(), soft.width, soft.height, 1, 1, soft.tiles, {}};
      for (int c = 0; c < k; ++c)
        tex_.soft.peak_colors.push_back(colour(
            soft.per_tile_scale ? 255
                                : colormap_index(kps[c].peak_probability, soft.lo, soft.hi, log)));
    }
    tex_.soft_title = std::string("softmax p (") + (log ? "log" : "linear") +
                      (tex_.p_relative ? ", each channel / its peak)" : ")");
    tex_.colormap = cmap;
    if (!fr.image.empty() && (sc >= 0 || k == 1 || all_view == AllChannelsView::kMax)) {
      frame_tex_.upload(fr.image);
      tex_.frame = {frame_tex_.id(),
                    frame_tex_.width(),
                    frame_tex_.height(),
                    fr.image_scale_x,
                    fr.image_scale_y,
                    std::vector<TileOffset>(k, TileOffset{}),
                    {}};
      tex_.frame.offset_x = fr.image_offset_x;
      tex_.frame.offset_y = fr.image_offset_y;
      tex_.frame.skeleton = fr.pose != nullptr;
    } else {
      tex_.frame = ViewTexture{};
    }
  } catch (const std::exception& e) {
    st_.report_error(ErrorKind::kDecode, std::string("cannot draw the views: ") + e.what());
  }
}

void Viewer::refresh_curves() {
  if (!st_.frame() || st_.keypoints().empty()) return;
  try {
    const BetaGrid g =
        engine_->last_beta_grid(ViewerState::curve_betas(), st_.settings().normalize(),
                                st_.lab().enabled(DecoderKind::kDebiased));
    st_.compute_curve(g);
    st_.lab().compute_curves(*engine_, g);
  } catch (const std::exception& e) {
    st_.report_error(ErrorKind::kDecode, std::string("cannot compute the curves: ") + e.what());
  }
}

void Viewer::compare_engines(double now_s) {
  if (engine_->kind() != Backend::kGpu || st_.keypoints().empty()) return;
  if (now_s - last_compare_t_ < kComparePeriodS) return;
  last_compare_t_ = now_s;
  ViewerState::Comparison c;
  const auto t0 = Clock::now();
  const std::vector<Keypoint> cpu =
      compare_cpu_.decode(st_.frame()->heatmap.view(), st_.settings().decode_options());
  c.ms = ms_since(t0);
  for (std::size_t i = 0; i < cpu.size() && i < st_.keypoints().size(); ++i)
    c.diff_px = std::max({c.diff_px, std::abs(cpu[i].soft_x - st_.keypoints()[i].soft_x),
                          std::abs(cpu[i].soft_y - st_.keypoints()[i].soft_y)});
  c.ran = true;
  c.at_s = now_s;
  c.engine = "CPU";
  st_.set_comparison(c);
}

bool Viewer::frame(int fb_width, int fb_height, double now_s) {
  now_s_ = now_s;
  st_.set_now(now_s);
  if (last_frame_t_ >= 0) st_.add_frame_time((now_s - last_frame_t_) * 1e3);
  last_frame_t_ = now_s;

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
  if (st_.settings().backend() != engine_request_) select_engine();
  worker_.set_fps(st_.settings().fps());
  worker_.set_hold(st_.settings().hold_s());

  take_frames(scripted_);
  bool more = true;
  if (scripted_) {
    const SourceInfo info = worker_.info();
    if ((frame_limit_ >= 0 && st_.frames_shown() >= frame_limit_) ||
        (info.finished && st_.source_ended()) || !st_.frame())
      more = false;  // still draw the last frame below
  }
  if (st_.needs_decode()) decode_current();
  // The decoding lab: decoders' points (and the gradient) on this frame, on engine_ (whose
  // last decode is this frame).
  st_.lab().update(*engine_, st_.frame(), st_.keypoints(),
                   DecodeOptions{st_.settings().beta(), st_.settings().normalize()},
                   st_.source_generation(), st_.frames_shown(), st_.shown_channel());
  // The soft-argmax curve and the lab's curves from one beta grid of engine_: every frame on
  // a hardware GPU (one submission), at most every kCurvePeriodS on the CPU engine and on a
  // software rasteriser (whose double-precision shaders run slower than the CPU engine). A
  // scripted run's last frame always gets its own curve (it is what gets saved).
  // Whatever the engine, the curves take at most a fifth of the time while frames arrive: a
  // grid that costs more (debiased on a large frame: ~1 s on the CPU at 1080p) waits four
  // times its cost, so playback and the controls never stall behind it.
  static const bool hardware = hardware_gl_renderer();
  const bool live_curves = engine_->kind() == Backend::kGpu && hardware;
  const double period = std::max(live_curves ? 0.0 : kCurvePeriodS, 4 * curve_cost_s_);
  if ((st_.curve_stale() || st_.lab().curves_stale()) &&
      ((scripted_ && !more) || st_.paused() || st_.source_ended() ||
       now_s - last_curve_t_ >= period)) {
    const auto t0 = Clock::now();
    refresh_curves();
    curve_cost_s_ = ms_since(t0) * 1e-3;
    last_curve_t_ = now_s;
  }
  compare_engines(now_s);

  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(static_cast<float>(fb_width), static_cast<float>(fb_height)));
  ImGui::Begin("peakscope", nullptr,
               ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoBringToFrontOnFocus |
                   ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoBackground);
  const float controls_w = std::clamp(fb_width * 0.27f, 280.0f, 360.0f);
  ImGui::BeginChild("controls", ImVec2(controls_w, 0), true);
  panel_controls(st_);
  panel_decoders(st_);
  if (recording()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.3f, 0.3f, 1));
    ImGui::TextWrapped("recording %s (%ld frames; V stops)", record_path_.c_str(),
                       recorder_.frames());
    ImGui::PopStyleColor();
  }
  layout_.controls_overflow = ImGui::GetScrollMaxY();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("main", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollbar);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float plots_h = std::clamp(avail.y * 0.28f, 120.0f, 230.0f);
  const float views_h = std::max(120.0f, avail.y - plots_h - 4);
  panel_views(st_, tex_, avail.x, views_h, layout_);
  panel_plots(st_, avail.x, avail.y - views_h - 4, layout_);
  ImGui::EndChild();
  ImGui::End();
  if (st_.show_help()) panel_help(st_);
  panel_gradient(st_);
  return more;
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

void Viewer::save_sheet(const std::string& path) {
  const int c = std::max(0, st_.shown_channel());
  const HeatmapView map = st_.frame()->heatmap.view();
  const DecodeOptions opt = st_.settings().decode_options();
  std::vector<float> p(map.pixels());
  const Keypoint k = compare_cpu_.softmax_map(map, c, opt, p.data());
  const cv::Mat sheet =
      io::compose_sheet(io::make_seed_panels(map, c, k, p, st_.settings().colormap()),
                        io::sheet_footer(opt.beta, opt.normalize, k,
                                         "frame " + std::to_string(st_.frame()->index) +
                                             ", channel " + std::to_string(c)));
  io::write_png(path, sheet);
}

void Viewer::save_beta_grid(const std::string& path) {
  std::vector<double> betas = {0.1, 1, 10, 100, 1000};
  const double beta = st_.settings().beta();
  if (std::find(betas.begin(), betas.end(), beta) == betas.end()) betas.push_back(beta);
  std::sort(betas.begin(), betas.end());
  const cv::Mat grid = io::compose_beta_grid(
      st_.frame()->heatmap.view(), std::max(0, st_.shown_channel()), betas,
      st_.settings().normalize(), "frame " + std::to_string(st_.frame()->index), compare_cpu_,
      st_.settings().colormap());
  io::write_png(path, grid);
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
