#include "app/viewer/eval_tracker.hpp"

#include <cmath>
#include <stdexcept>

namespace peakscope::viewer {

void EvalTracker::clear() {
  rows_.clear();
  dirty_ = true;
}

void EvalTracker::set_threshold(double px) {
  if (!(px > 0) || !std::isfinite(px))
    throw std::invalid_argument("PCK threshold must be > 0 px, got " + std::to_string(px));
  threshold_ = px;
  dirty_ = true;
}

void EvalTracker::record(long generation, const io::Frame& f, const std::vector<Keypoint>& kps,
                         const LabState& lab, double beta, bool normalize) {
  if (generation != generation_ || beta != beta_ || normalize != normalize_) {
    clear();
    generation_ = generation;
    beta_ = beta;
    normalize_ = normalize;
  }
  if (f.ground_truth.empty() || kps.empty()) return;
  Row row{f.index, {}};
  const int channels = static_cast<int>(std::min(kps.size(), f.ground_truth.size()));
  const auto& pts = lab.points();
  for (int c = 0; c < channels; ++c) {
    if (f.ground_truth[c].empty()) continue;
    const Keypoint& k = kps[c];
    const io::Point2* target = nullptr;
    double bd = 1e300;
    for (const io::Point2& p : f.ground_truth[c]) {
      const double d = std::hypot(p.x - k.argmax_x, p.y - k.argmax_y);
      if (!target || d < bd) bd = d, target = &p;
    }
    const io::Point2 t = io::heatmap_to_image(f, target->x, target->y);
    auto add = [&](DecoderKind d, double x, double y, bool valid) {
      double e = NAN;
      if (valid && std::isfinite(x) && std::isfinite(y)) {
        const io::Point2 q = io::heatmap_to_image(f, x, y);
        e = std::hypot(q.x - t.x, q.y - t.y);
      }
      row.samples.push_back({decoder_index(d), c, e});
    };
    add(DecoderKind::kArgmax, k.argmax_x, k.argmax_y, k.valid);
    add(DecoderKind::kSoftargmax, k.soft_x, k.soft_y, k.valid);
    for (DecoderKind d : kAllDecoders)
      if (d != DecoderKind::kArgmax && d != DecoderKind::kSoftargmax && lab.enabled(d) &&
          c < static_cast<int>(pts.size()))
        add(d, pts[c][decoder_index(d)].x, pts[c][decoder_index(d)].y,
            pts[c][decoder_index(d)].valid);
  }
  keypoints_ = std::max(keypoints_, channels);
  if (!rows_.empty() && rows_.back().index == f.index)
    rows_.back() = std::move(row);
  else
    rows_.push_back(std::move(row));
  while (rows_.size() > kFrames) rows_.pop_front();
  dirty_ = true;
}

void EvalTracker::rebuild() const {
  ev_ = KeypointEvaluation(kDecoderCount, keypoints_);
  for (const Row& r : rows_)
    for (const Sample& s : r.samples) ev_.add(s.decoder, s.keypoint, s.error, 1.0);
  dirty_ = false;
}

EvalStats EvalTracker::stats(DecoderKind k, int c) const {
  if (dirty_) rebuild();
  if (keypoints_ == 0 || c >= keypoints_) return {};
  return ev_.stats(decoder_index(k), c, {threshold_});
}

}  // namespace peakscope::viewer
