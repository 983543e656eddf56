#include "app/viewer/viewer.hpp"

#include <GLFW/glfw3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgproc.hpp>

#include "core/gpu/gl_engine.hpp"
#include "core/io/panels.hpp"

namespace peakscope::viewer {

using Clock = std::chrono::steady_clock;
namespace {
double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}
}  // namespace

Viewer::Viewer(Settings settings, bool scripted, std::unique_ptr<io::Source> source)
    : s_(std::move(settings)), scripted_(scripted), worker_(!scripted, s_.fps) {
  set_backend(s_.backend);
  worker_.start(std::move(source));
  std::snprintf(source_buf_, sizeof source_buf_, "%s", s_.source.c_str());
}

Viewer::~Viewer() = default;

void Viewer::set_backend(const std::string& name) {
  gpu::Backend b = gpu::Backend::kAuto;
  try {
    b = gpu::parse_backend(name);
  } catch (const std::exception& e) {
    error_ = e.what();
  }
  decoder_ = std::make_unique<gpu::Decoder>(b, /*headless=*/false);
  s_.backend = gpu::backend_name(b);
  dirty_ = true;
}

std::string Viewer::backend_line() const {
  return decoder_->description();
}

int Viewer::shown_channel() const {
  if (!frame_) return 0;
  return std::clamp(s_.channel, 0, frame_->heatmap.channels() - 1);
}

void Viewer::open(const std::string& spec) {
  s_.source = spec;
  std::snprintf(source_buf_, sizeof source_buf_, "%s", spec.c_str());
  worker_.open(spec);
}

void Viewer::decode_current() {
  const HeatmapView map = frame_->heatmap.view();
  const int c = shown_channel();
  const DecodeOptions opt = options();
  try {
    auto t0 = Clock::now();
    kps_ = decoder_->decode(map, opt);
    decode_ms_active_ = ms_since(t0);
    gpu_cpu_diff_px_ = 0;
    if (decoder_->on_gpu()) {  // the CPU engine's time (and agreement) for comparison
      t0 = Clock::now();
      const std::vector<Keypoint> cpu = cpu_.decode(map, opt);
      decode_ms_cpu_ = ms_since(t0);
      for (std::size_t i = 0; i < cpu.size(); ++i)
        gpu_cpu_diff_px_ = std::max({gpu_cpu_diff_px_, std::abs(cpu[i].soft_x - kps_[i].soft_x),
                                     std::abs(cpu[i].soft_y - kps_[i].soft_y)});
    } else {
      decode_ms_cpu_ = decode_ms_active_;
    }
    heat_tex_.stage(map, c, &heat_lo_, &heat_hi_);
    if (!frame_->image.empty()) frame_tex_.upload(frame_->image);
    GLuint soft_raw = 0;
    if (decoder_->on_gpu()) {
      soft_raw = decoder_->gl()->softmax_texture(c);  // drawn straight from the GPU
    } else {
      cpu_softmax_.resize(map.pixels());
      cpu_.softmax_map(map, c, opt, cpu_softmax_.data());
    }
    const io::Colormap cmap = io::parse_colormap(s_.colormap);
    heat_tex_.colorize_cpu(heat_tex_.staged(), map.width, map.height, heat_lo_, heat_hi_, false,
                           cmap);
    const float peak = static_cast<float>(kps_[c].peak_probability);
    // Log scale spans the map's actual range of p: peak * exp(-beta_eff (max - min)), at
    // most 12 decades, so low beta is not one flat colour.
    double beta_eff = s_.beta;
    if (s_.normalize && heat_hi_ > 0) beta_eff /= kps_[c].argmax_value;
    const double decades = std::min(12.0, beta_eff * (heat_hi_ - heat_lo_) / std::log(10.0));
    const float lo =
        s_.log_softmax ? peak * static_cast<float>(std::pow(10.0, -std::max(decades, 0.5))) : 0.0f;
    if (decoder_->on_gpu())  // the softmax stays on the GPU: coloured by the shader
      soft_tex_.colorize(soft_raw, map.width, map.height, lo, std::max(peak, 1e-30f),
                         s_.log_softmax, cmap);
    else
      soft_tex_.colorize_cpu(cpu_softmax_.data(), map.width, map.height, lo, std::max(peak, 1e-30f),
                             s_.log_softmax, cmap);
  } catch (const std::exception& e) {
    error_ = std::string("decode failed: ") + e.what();
  }
}

void Viewer::update_plots() {
  const int c = shown_channel();
  if (c >= static_cast<int>(kps_.size())) return;
  const double err = io::ground_truth_error(*frame_, c, kps_[c]);
  if (err >= 0) {
    err_history_.push_back(static_cast<float>(err));
    if (err_history_.size() > 600) err_history_.pop_front();
  }
  // The error-vs-beta curve: recomputed when the settings change, else 4x a second (25 CPU
  // decodes of the frame: too many for every frame at low beta).
  const double now = glfwGetTime();
  const DecodeOptions opt = options();
  const bool settings_changed = opt.beta != curve_opt_.beta ||
                                opt.normalize != curve_opt_.normalize ||
                                s_.channel != curve_channel_;
  if (!settings_changed && now - curve_time_ < 0.25) return;
  curve_opt_ = opt;
  curve_channel_ = s_.channel;
  curve_time_ = now;
  const HeatmapView one = frame_->heatmap.view().channel(c);
  constexpr int kN = 25;
  beta_curve_.assign(kN, 0);
  beta_curve_betas_.assign(kN, 0);
  for (int i = 0; i < kN; ++i) {
    const double beta = std::pow(10.0, -2.0 + 6.0 * i / (kN - 1));
    const Keypoint k = cpu_.decode(one, {beta, s_.normalize})[0];
    const double e = io::ground_truth_error(*frame_, c, k);
    beta_curve_betas_[i] = static_cast<float>(beta);
    beta_curve_[i] =
        static_cast<float>(e >= 0 ? e : std::hypot(k.soft_x - k.argmax_x, k.soft_y - k.argmax_y));
  }
}

bool Viewer::frame(int fb_width, int fb_height) {
  const double t = glfwGetTime();
  if (last_frame_t_ >= 0) frame_times_.push_back((t - last_frame_t_) * 1e3);
  last_frame_t_ = t;

  if (std::string e = worker_.take_error(); !e.empty()) error_ = e;
  bool more = true;
  if (!paused_ || step_ || !frame_) {
    std::optional<io::Frame> f = worker_.take(scripted_ ? 10.0 : 0.0);
    if (f) {
      frame_ = std::move(f);
      ++shown_;
      dirty_ = true;
      step_ = false;
    } else if (scripted_ && (worker_.finished() || !frame_)) {
      more = false;  // still draw the last frame below
    }
  }
  if (frame_ && dirty_) {
    decode_current();
    update_plots();
    dirty_ = false;
  }
  if (!scripted_) handle_keys();

  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(static_cast<float>(fb_width), static_cast<float>(fb_height)));
  ImGui::Begin("peakscope", nullptr,
               ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoBringToFrontOnFocus |
                   ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoBackground);
  ImGui::BeginChild("controls", ImVec2(330, 0), true);
  panel_controls();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("main", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollbar);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float views_h = std::max(120.0f, avail.y - 190.0f);
  panel_views(avail.x, views_h);
  panel_plots(avail.x, avail.y - views_h - 8);
  ImGui::EndChild();
  ImGui::End();
  if (show_help_) panel_help();
  return more;
}

std::string Viewer::default_name(const char* kind) const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "peakscope_%s_frame%05ld_beta%g.png", kind, frame_index(),
                s_.beta);
  return (std::filesystem::path(s_.output_dir) / buf).string();
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

void Viewer::save_sheet(const std::string& path) {
  const int c = shown_channel();
  const HeatmapView map = frame_->heatmap.view();
  std::vector<float> p(map.pixels());
  const Keypoint k = cpu_.softmax_map(map, c, options(), p.data());
  const cv::Mat sheet = io::compose_sheet(
      io::make_seed_panels(map, c, k, p, io::parse_colormap(s_.colormap)),
      io::sheet_footer(s_.beta, s_.normalize, k, "frame " + std::to_string(frame_index())));
  io::write_png(path, sheet);
}

void Viewer::save_beta_grid(const std::string& path) {
  std::vector<double> betas = {0.1, 1, 10, 100, 1000};
  if (std::find(betas.begin(), betas.end(), s_.beta) == betas.end()) betas.push_back(s_.beta);
  std::sort(betas.begin(), betas.end());
  const cv::Mat grid = io::compose_beta_grid(frame_->heatmap.view(), shown_channel(), betas,
                                             s_.normalize, "frame " + std::to_string(frame_index()),
                                             cpu_, io::parse_colormap(s_.colormap));
  io::write_png(path, grid);
}

void Viewer::after_render(int fb_width, int fb_height) {
  auto attempt = [&](bool& want, std::string& path, const char* kind, auto&& save) {
    if (!want) return;
    want = false;
    if (!frame_) {
      error_ = "nothing to save yet";
      return;
    }
    const std::string p = path.empty() ? default_name(kind) : path;
    try {
      save(p);
      last_saved_ = p;
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  };
  attempt(want_shot_, pending_shot_, "window", [&](const std::string& p) {
    cv::Mat rgba(fb_height, fb_width, CV_8UC4);
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, fb_width, fb_height, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data);
    cv::Mat flipped, bgr;
    cv::flip(rgba, flipped, 0);
    cv::cvtColor(flipped, bgr, cv::COLOR_RGBA2BGR);
    io::write_png(p, bgr);
  });
  attempt(want_sheet_, pending_sheet_, "sheet", [&](const std::string& p) { save_sheet(p); });
  attempt(want_grid_, pending_grid_, "betagrid", [&](const std::string& p) { save_beta_grid(p); });
}

}  // namespace peakscope::viewer
