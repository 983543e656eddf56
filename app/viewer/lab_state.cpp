#include "app/viewer/lab_state.hpp"

#include <cmath>
#include <cstdio>
#include <functional>

#include "app/viewer/readouts.hpp"
#include "core/lab/lab.hpp"

namespace peakscope::viewer {
namespace {

// The ground-truth point of channel c nearest its argmax (the peak the decoders aim at).
bool truth_of(const io::Frame& f, int c, const Keypoint& kp, double& x, double& y) {
  if (c >= static_cast<int>(f.ground_truth.size()) || f.ground_truth[c].empty()) return false;
  double best = 1e300;
  for (const io::Point2& g : f.ground_truth[c]) {
    const double d = std::hypot(g.x - kp.argmax_x, g.y - kp.argmax_y);
    if (d < best) best = d, x = g.x, y = g.y;
  }
  return true;
}

}  // namespace

LabState::LabState() = default;

void LabState::set_enabled(DecoderKind k, bool on) {
  enabled_[decoder_index(k)] = on;
  key_.clear();  // recompute at the next update
}

bool LabState::any_enabled() const {
  for (bool e : enabled_)
    if (e) return true;
  return false;
}

bool LabState::set_coords(const CoordConvention& c) {
  try {
    c.validate();
  } catch (const std::invalid_argument&) {
    return false;
  }
  coords_ = c;
  return true;
}

std::string LabState::key_of(const LabFrame& f) const {
  char mask[kDecoderCount + 1] = {};
  for (int i = 0; i < kDecoderCount; ++i) mask[i] = enabled_[i] ? '1' : '0';
  char key[160];
  std::snprintf(key, sizeof key, "%ld/%ld/%.17g/%d/%d/%s", f.generation, f.frames_shown, f.opt.beta,
                f.opt.normalize ? 1 : 0, f.shown_channel, mask);
  return key;
}

// A frame with one keypoint per channel: the lab follows it.
bool LabState::usable(const LabFrame& f, const std::vector<Keypoint>& kps) const {
  return f.frame && kps.size() == static_cast<std::size_t>(f.frame->heatmap.channels());
}

// Whether `r` holds the points of the enabled decoders on `channels` channels for `key` (none
// are asked for when no decoder is enabled).
bool LabState::accepts(const LabResults& r, const std::string& key, std::size_t channels) const {
  if (!any_enabled()) return true;
  return r.key == key && r.error.empty() && r.points.size() == channels;
}

LabWork LabState::work(const LabFrame& f) const {
  LabWork w;
  if (!f.frame) return w;
  w.key = key_of(f);
  w.points = w.key != key_;
  for (DecoderKind k : kAllDecoders)
    if (enabled(k)) w.kinds.push_back(k);
  w.params = params_;
  w.params.window_beta = f.opt.beta;  // the viewer's window decoder follows the slider
  if (gradient_on_) {
    const int c = std::max(0, std::min(f.shown_channel, f.frame->heatmap.channels() - 1));
    char g[200];
    std::snprintf(g, sizeof g, "%s/%d/%d", w.key.c_str(), c, static_cast<int>(gradient_part_));
    w.gradient_channel = c;
    w.gradient_key = g;
    w.gradient = w.gradient_key != gradient_key_;
  }
  return w;
}

void LabState::update(const LabFrame& lf, const std::vector<Keypoint>& kps, const LabResults& r) {
  frame_ = lf.frame;
  if (!usable(lf, kps)) {
    points_.clear();
    return;
  }
  const io::Frame* f = lf.frame;
  const std::string key = key_of(lf);
  // Frames with ground truth for the auto-tune, once each.
  if (lf.frames_shown != last_frames_shown_ || lf.generation != last_generation_) {
    if (lf.generation != last_generation_) tune_.clear();
    last_frames_shown_ = lf.frames_shown;
    last_generation_ = lf.generation;
    TuneFrame t;
    bool any = false;
    for (int c = 0; c < f->heatmap.channels(); ++c) {
      double x = NAN, y = NAN;
      any |= kps[c].valid && truth_of(*f, c, kps[c], x, y);
      t.truth.push_back({x, y});
    }
    if (any) {
      t.map = f->heatmap;
      tune_.push_back(std::move(t));
      if (tune_.size() > kTuneFrames) tune_.pop_front();
    }
  }
  if (key != key_) {
    key_ = key;
    kps_ = kps;
    opt_ = lf.opt;
    shown_ = lf.shown_channel;
    points_.assign(kps.size(), {});
    if (any_enabled()) {
      if (accepts(r, key, kps.size())) {
        std::size_t i = 0;
        for (DecoderKind k : kAllDecoders)
          if (enabled(k)) {
            for (std::size_t c = 0; c < kps.size(); ++c)
              points_[c][decoder_index(k)] = r.points[c][i];
            ++i;
          }
        error_.clear();
      } else {
        points_.clear();  // the engine holds no matching frame (a failed decode)
        key_.clear();
        error_ = r.error;  // shown in the Decoders panel until a frame decodes again
      }
    }
  }
  // The gradient of the shown channel, when its view is open.
  if (gradient_on_ && !r.gradient_key.empty() && r.gradient_key != gradient_key_) {
    gradient_key_ = r.gradient_key;
    gradient_ = r.gradient;
    gradient_channel_ = std::max(0, std::min(lf.shown_channel, f->heatmap.channels() - 1));
    ++gradient_version_;
  }
}

bool LabState::curves_stale_after(const LabFrame& f, const std::vector<Keypoint>& kps,
                                  const LabResults& r) const {
  if (!usable(f, kps)) return curves_stale();
  const std::string key = key_of(f);
  if (key == key_) return curves_stale();
  // update() takes `key`, or clears it when the points failed.
  return curves_key_ != (accepts(r, key, kps.size()) ? key : std::string());
}

std::optional<CoordPoint> LabState::in_convention(int c, DecoderKind k) const {
  const DecodedPoint& p = points_[c][decoder_index(k)];
  if (!frame_) return CoordPoint{p.x, p.y};
  return readout_point(*frame_, p.x, p.y, coords_);
}

void LabState::set_skeleton_decoder(DecoderKind k) {
  skeleton_ = k;
  if (k != DecoderKind::kArgmax && k != DecoderKind::kSoftargmax && !enabled(k))
    set_enabled(k, true);
}

bool LabState::skeleton_point(int c, double& x, double& y) const {
  if (c < 0 || c >= static_cast<int>(kps_.size()) || !kps_[c].valid) return false;
  if (skeleton_ == DecoderKind::kArgmax || skeleton_ == DecoderKind::kSoftargmax) {
    const bool am = skeleton_ == DecoderKind::kArgmax;
    x = am ? kps_[c].argmax_x : kps_[c].soft_x;
    y = am ? kps_[c].argmax_y : kps_[c].soft_y;
    return true;
  }
  if (!enabled(skeleton_) || c >= static_cast<int>(points_.size())) return false;
  const DecodedPoint& p = points_[c][decoder_index(skeleton_)];
  if (!p.valid) return false;
  x = p.x;
  y = p.y;
  return true;
}

double LabState::error(int c, DecoderKind k) const {
  if (!frame_ || c < 0 || c >= static_cast<int>(points_.size()) ||
      c >= static_cast<int>(kps_.size()))
    return -1;
  double x = 0, y = 0;
  if (!truth_of(*frame_, c, kps_[c], x, y)) return -1;
  const DecodedPoint& p = points_[c][decoder_index(k)];
  return std::hypot(p.x - x, p.y - y);
}

void LabState::compute_curves(const BetaGrid& grid, const std::vector<PeakWindow>& windows) {
  curves_key_ = key_;
  curves_.clear();
  if (!frame_ || kps_.empty() || points_.size() != kps_.size()) return;
  const int n = frame_->heatmap.channels();
  for (const std::vector<Keypoint>& row : grid.keypoints)
    if (static_cast<int>(row.size()) != n) return;  // not this frame's grid
  // The channels shown, each with its target: the truth nearest the argmax, or the argmax.
  std::vector<std::array<double, 3>> targets;  // c, x, y
  bool truth = false;
  for (int c = 0; c < n; ++c) {
    if (shown_ >= 0 && c != shown_) continue;
    if (!kps_[c].valid) continue;
    double x = 0, y = 0;
    if (truth_of(*frame_, c, kps_[c], x, y)) {
      if (!truth) targets.clear();
      truth = true;
      targets.push_back({static_cast<double>(c), x, y});
    } else if (!truth) {
      targets.push_back({static_cast<double>(c), kps_[c].argmax_x, kps_[c].argmax_y});
    }
  }
  if (targets.empty()) return;
  // The window decoder at every beta from the one read of the windows.
  if (enabled(DecoderKind::kWindow) && static_cast<int>(windows.size()) != n) return;
  auto mean = [&](auto&& point_of) {
    double s = 0;
    for (const auto& t : targets) {
      const DecodedPoint d = point_of(static_cast<int>(t[0]));
      s += std::hypot(d.x - t[1], d.y - t[2]);
    }
    return s / static_cast<double>(targets.size());
  };
  const std::function<double()> no_global = [] { return 0.0; };  // window never asks
  for (DecoderKind k : kAllDecoders) {
    if (!enabled(k) || k == DecoderKind::kSoftargmax || k == DecoderKind::kArgmax) continue;
    DecoderCurve dc{k, {}, -1};
    if (k == DecoderKind::kDebiased) {
      for (std::size_t j = 0; j < grid.debiased.size(); ++j)
        dc.values.push_back(mean([&](int c) { return grid.debiased[j][c]; }));
      if (dc.values.size() != grid.betas.size()) dc.values.assign(grid.betas.size(), NAN);
    } else if (k == DecoderKind::kWindow) {
      for (double b : grid.betas) {
        DecoderParams p = params_;
        p.window_beta = b;
        const DecodeOptions o{b, grid.normalize};
        dc.values.push_back(mean(
            [&](int c) { return decode_from_window(k, windows[c], kps_[c], o, p, no_global); }));
      }
    } else {
      dc.level = mean([&](int c) { return points_[c][decoder_index(k)]; });
    }
    curves_.push_back(std::move(dc));
  }
}

std::vector<TuneSample> LabState::tune_samples() const {
  std::vector<TuneSample> samples;
  for (const TuneFrame& t : tune_)
    for (int c = 0; c < static_cast<int>(t.truth.size()); ++c)
      if (std::isfinite(t.truth[c][0]))
        samples.push_back({t.map.view(), c, t.truth[c][0], t.truth[c][1]});
  return samples;
}

void LabState::set_gradient_on(bool on) {
  gradient_on_ = on;
  gradient_key_.clear();
}

bool LabState::set_gradient_floor(double rel) {
  if (!(rel >= kGradientFloorMin && rel <= kGradientFloorMax)) return false;
  gradient_floor_ = rel;
  ++gradient_version_;  // same map, another colouring
  return true;
}

void LabState::set_gradient_part(GradientPart p) {
  gradient_part_ = p;
  ++gradient_version_;  // same map, another colouring
}

}  // namespace peakscope::viewer
