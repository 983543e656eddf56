#include "app/viewer/frame_step.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "core/io/sheets.hpp"
#include "core/lab/gradient.hpp"
#include "core/lab/lab.hpp"
#include "core/scene_frame.hpp"

namespace peakscope::viewer {

using SteadyClock = std::chrono::steady_clock;
namespace {
double ms_since(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t).count();
}
// On the CPU engine (and a software rasteriser) the curves are recomputed at most this often
// while frames arrive (25 decodes of the frame: too many for every frame); a stale curve is
// recomputed within it.
constexpr double kCurvePeriodS = 0.25;
// The comparison decode on the CPU engine while the GPU engine runs.
constexpr double kComparePeriodS = 1.0;
}  // namespace

FrameStep::FrameStep() : FrameStep(Policy{}) {}
FrameStep::FrameStep(Policy policy) : policy_(std::move(policy)) {}

void FrameStep::set_engine(std::unique_ptr<Engine> engine, std::string reason) {
  decoded_.reset();
  engine_ = std::move(engine);
  reason_ = std::move(reason);
}

// ---- The frame's decode ---------------------------------------------------------------------

DecodeResult FrameStep::decode(const io::Frame& fr, const DecodeOptions& opt) {
  const HeatmapView map = fr.heatmap.view();
  DecodeResult r;
  decoded_.reset();
  try {
    // The synthetic scene on the GPU engine: the engine renders the frame itself (the host
    // copy, rendered on the worker, stays for the CPU consumers: comparison, curves, lab).
    r.scene_by_engine = fr.scene && map.channels == 1 && fr.scene->config().width == map.width &&
                        fr.scene->config().height == map.height &&
                        engine_->kind() == Backend::kGpu && policy_.scene_on_gpu;
    const auto t0 = SteadyClock::now();
    decoded_ = r.scene_by_engine ? engine_->decode(SceneFrame(*fr.scene, false, map.type), opt)
                                 : engine_->decode(map, opt);
    r.scene_by_engine = r.scene_by_engine && decoded_->backend() == Backend::kGpu;
    r.ms = ms_since(t0);
    // What runs may change after a decode (auto measured both engines; the GPU fell back on
    // a frame beyond its limits): the labels follow.
    r.fallback_reason = engine_->fallback_reason();
    r.backend = engine_->kind();
    r.description =
        engine_->description() + (r.scene_by_engine ? "; scene rendered on the GPU" : "");
    r.reason = r.fallback_reason.empty() ? reason_ : r.fallback_reason;
    r.keypoints = decoded_->keypoints();
    r.ok = true;
  } catch (const std::exception& e) {
    decoded_.reset();
    r.error = e.what();
  }
  return r;
}

void FrameStep::view_maps(const io::Frame& fr, int sc, ViewMaps& out) const {
  const HeatmapView map = fr.heatmap.view();
  const int k = map.channels;
  out.error.clear();
  out.values_texture = out.softmax_texture = 0;
  try {
    if (!decoded_) throw std::logic_error("the frame has no decode");
    // One channel on a hardware GPU: the heatmap is coloured by a shader from the frame the
    // engine already holds in device memory (no colouring on the CPU, no second upload).
    const int one = sc >= 0 ? sc : (k == 1 ? 0 : -1);
    out.channel = one;
    if (one >= 0 && policy_.values_texture) out.values_texture = decoded_->values_texture(one);
    // The softmax view: one channel straight from the engine (a GPU texture stays on the
    // GPU); several channels gathered on the host.
    SoftmaxImage first;
    if (one >= 0) first = decoded_->softmax(one);
    if (one >= 0 && first.gl_texture) {
      out.softmax_texture = first.gl_texture;
      return;
    }
    out.softmax.resize(k);
    for (int c = 0; c < k; ++c) {
      if (one >= 0 && c != one) continue;
      const SoftmaxImage s = one >= 0 ? first : decoded_->softmax(c);
      std::vector<float>& buf = out.softmax[c];
      buf.resize(map.pixels());
      if (s.cpu) {
        std::copy(s.cpu, s.cpu + map.pixels(), buf.begin());
      } else {  // a GPU texture, valid until the next call: read back now
        if (!policy_.read_texture) throw std::logic_error("no reader for the engine's textures");
        policy_.read_texture(s.gl_texture, map.width, map.height, buf.data());
      }
    }
  } catch (const std::exception& e) {
    out.error = e.what();
  }
}

// ---- The lab, the curves, the comparison ----------------------------------------------------

LabResults FrameStep::lab(const LabWork& w, const io::Frame& f, const std::vector<Keypoint>& kps,
                          const DecodeOptions& opt) const {
  LabResults r;
  if (kps.size() != static_cast<std::size_t>(f.heatmap.channels())) return r;
  if (w.points && !w.kinds.empty()) {
    try {
      if (!decoded_) throw std::logic_error("the frame has no decode");
      r.points = decode_lab(*decoded_, w.kinds, w.params);
      r.key = w.key;
    } catch (const std::exception& e) {
      r.error = e.what();
    }
  } else if (w.points) {
    r.key = w.key;
  }
  if (w.gradient) {
    r.gradient = softargmax_gradient(f.heatmap.view(), w.gradient_channel, opt);
    r.gradient_key = w.gradient_key;
  }
  return r;
}

CurveResults FrameStep::curves(const std::vector<double>& betas, bool normalize, bool debiased,
                               int window_radius) const {
  CurveResults r;
  try {
    if (!decoded_) throw std::logic_error("the frame has no decode");
    r.grid = decoded_->beta_grid(betas, normalize, debiased);
  } catch (const std::exception& e) {
    r.error = e.what();
    return r;
  }
  try {
    if (window_radius >= 0) r.windows = decoded_->windows(window_radius);
  } catch (const std::exception& e) {
    r.windows_error = e.what();
  }
  return r;
}

// The soft-argmax curve and the lab's curves from one beta grid: every frame on a hardware
// GPU (one submission), at most every kCurvePeriodS on the CPU engine and on a software
// rasteriser (whose double-precision shaders run slower than the CPU engine). A scripted
// run's last frame always gets its own curve (it is what gets saved). Whatever the engine,
// the curves take at most a fifth of the time while frames arrive: a grid that costs more
// (debiased on a large frame: ~1 s on the CPU at 1080p) waits four times its cost, so
// playback and the controls never stall behind it.
bool FrameStep::curves_due(const ViewerState& st, const std::vector<Keypoint>& kps,
                           const FrameTime& clock) const {
  if (!st.curve_stale() && !st.lab().curves_stale_after(st.lab_frame(), kps, results_.lab))
    return false;
  const bool live_curves = engine_->kind() == Backend::kGpu && policy_.hardware_gl;
  const double period = std::max(live_curves ? 0.0 : kCurvePeriodS, 4 * curve_cost_s_);
  return clock.final_frame || st.paused() || st.source_ended() ||
         clock.now_s - last_curve_t_ >= period;
}

std::optional<ViewerState::Comparison> FrameStep::compare(const ViewerState& st,
                                                          const std::vector<Keypoint>& kps,
                                                          double now_s) {
  if (engine_->kind() != Backend::kGpu || kps.empty()) return std::nullopt;
  if (now_s - last_compare_t_ < kComparePeriodS) return std::nullopt;
  last_compare_t_ = now_s;
  ViewerState::Comparison c;
  const auto t0 = SteadyClock::now();
  const std::vector<Keypoint> cpu =
      cpu_.decode(st.frame()->heatmap.view(), st.settings().decode_options()).keypoints();
  c.ms = ms_since(t0);
  for (std::size_t i = 0; i < cpu.size() && i < kps.size(); ++i)
    c.diff_px = std::max({c.diff_px, std::abs(cpu[i].soft_x - kps[i].soft_x),
                          std::abs(cpu[i].soft_y - kps[i].soft_y)});
  c.ran = true;
  c.at_s = now_s;
  c.engine = "CPU";
  return c;
}

// ---- One UI frame ---------------------------------------------------------------------------

const FrameResults& FrameStep::run(const ViewerState& st, const FrameTime& clock) {
  FrameResults& r = results_;
  r.decoded = false;
  r.lab = LabResults{};
  r.curves.reset();
  r.comparison.reset();
  if (st.needs_decode()) {
    r.decoded = true;
    r.decode = decode(*st.frame(), st.settings().decode_options());
    if (r.decode.ok) view_maps(*st.frame(), st.shown_channel(), r.views);
  }
  // The keypoints the state holds once the results are applied.
  const std::vector<Keypoint>& kps = r.decoded ? r.decode.keypoints : st.keypoints();
  const LabFrame lf = st.lab_frame();
  if (lf.frame) r.lab = lab(st.lab().work(lf), *lf.frame, kps, lf.opt);
  if (curves_due(st, kps, clock)) {
    const auto t0 = SteadyClock::now();
    if (st.frame() && !kps.empty()) {
      const LabState& l = st.lab();
      r.curves = curves(ViewerState::curve_betas(), st.settings().normalize(),
                        l.enabled(DecoderKind::kDebiased),
                        l.enabled(DecoderKind::kWindow) ? l.params().window_radius : -1);
    }
    curve_cost_s_ = ms_since(t0) * 1e-3;
    last_curve_t_ = clock.now_s;
  }
  r.comparison = compare(st, kps, clock.now_s);
  return r;
}

// ---- On the CPU engine ----------------------------------------------------------------------

namespace {

// Channel c for a sheet, with the request's decoders' points.
io::SheetChannel sheet_channel(CpuEngine& cpu, const io::Frame& f, int c, const DecodeOptions& opt,
                               const FrameStep::SheetRequest& rq) {
  const HeatmapView map = f.heatmap.view();
  io::SheetChannel ch = io::sheet_channel(cpu, map, c, opt, &f);
  if (ch.k.valid)
    for (DecoderKind d : rq.decoders) {
      const DecodedPoint pt = decode_with(d, map, c, ch.k, opt, rq.params);
      ch.decoders.push_back({decoder_name(d), pt.x, pt.y, pt.valid});
    }
  return ch;
}

io::SheetStyle frame_style(const io::Frame& f, io::SheetStyle style) {
  if (f.image_scale_y > 0) style.pixel_aspect = f.image_scale_x / f.image_scale_y;
  return style;
}

}  // namespace

io::Figure FrameStep::sheet(const io::Frame& f, int c, const SheetRequest& rq) {
  io::SheetInput in;
  in.map = f.heatmap.view();
  in.opt = rq.opt;
  in.title = rq.title + "  frame " + std::to_string(f.index);
  if (c >= 0 || in.map.channels == 1) {
    c = std::max(c, 0);
    in.layout = io::SheetLayout::kChannel;
    in.channels.push_back(sheet_channel(cpu_, f, c, rq.opt, rq));
    in.title += "  channel " + std::to_string(c);
    if (!in.channels.back().name.empty()) in.title += " (" + in.channels.back().name + ")";
  } else {
    in.layout = rq.all_channels;
    for (int i = 0; i < in.map.channels; ++i)
      in.channels.push_back(sheet_channel(cpu_, f, i, rq.opt, rq));
    in.title += "  all " + std::to_string(in.map.channels) + " channels";
  }
  return io::sheet_figure(in, frame_style(f, rq.style));
}

io::Figure FrameStep::beta_grid_sheet(const io::Frame& f, int c, const SheetRequest& rq) {
  std::vector<double> betas = {0.1, 1, 10, 100, 1000};
  if (std::find(betas.begin(), betas.end(), rq.opt.beta) == betas.end())
    betas.push_back(rq.opt.beta);
  std::sort(betas.begin(), betas.end());
  std::vector<io::SheetChannel> rows;
  for (double b : betas) rows.push_back(sheet_channel(cpu_, f, c, {b, rq.opt.normalize}, rq));
  std::string title =
      rq.title + "  frame " + std::to_string(f.index) + "  channel " + std::to_string(c);
  if (!rows.front().name.empty()) title += " (" + rows.front().name + ")";
  return io::beta_grid_figure(f.heatmap.view(), rows, betas, rq.opt.normalize, title,
                              frame_style(f, rq.style));
}

BetaTune FrameStep::auto_tune(const std::vector<TuneSample>& samples, bool normalize) {
  return auto_tune_beta(cpu_, samples, normalize);
}

}  // namespace peakscope::viewer
