#include "core/cpu/cpu_engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/cpu/cpu_kernels.hpp"
#include "core/lab/dark.hpp"
#include "core/lab/debiased.hpp"

namespace peakscope {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
// Work below this many elements runs on the calling thread: waking workers costs more.
constexpr std::size_t kParallelMin = 1 << 17;
// Rows per task aim at this many elements, so tasks balance across threads.
constexpr std::size_t kTaskElems = 1 << 16;

kernels::RowBlock block_of(const HeatmapView& map, int c, int y0, int y1, int group, int seg) {
  kernels::RowBlock b;
  b.base = static_cast<const char*>(map.data) +
           c * map.channel_stride * static_cast<std::ptrdiff_t>(elem_size(map.type));
  b.type = map.type;
  b.width = map.width;
  b.row_stride = map.row_stride;
  b.y0 = y0;
  b.y1 = y1;
  b.group = group;
  b.seg = seg;
  return b;
}

}  // namespace

CpuEngine::CpuEngine(int threads) : pool_(threads) {}

const char* CpuEngine::simd_target() {
  return kernels::simd_target_name();
}

void CpuEngine::plan(const HeatmapView& map) {
  tasks_.clear();
  const std::size_t total = map.pixels() * map.channels;
  parallel_ = pool_.size() > 1 && total >= kParallelMin;
  // The split does not depend on the thread count, so results are bit-identical whatever
  // runs them (partials are combined in task order).
  // Groups of rows of at least ~256 elements; tasks of ~kTaskElems, a whole number of groups.
  group_ = std::clamp(256 / map.width, 1, map.height);
  groups_ = (map.height + group_ - 1) / group_;
  // Wide rows are cut into 512-column segments: pass 2 re-reads only the segments that can
  // contribute, not whole rows.
  seg_ = map.width > 1024 ? 512 : map.width;
  nseg_ = (map.width + seg_ - 1) / seg_;
  const int rows = group_ * static_cast<int>(std::clamp<std::size_t>(
                                kTaskElems / (static_cast<std::size_t>(map.width) * group_), 1,
                                static_cast<std::size_t>(groups_)));
  for (int c = 0; c < map.channels; ++c)
    for (int y = 0; y < map.height; y += rows)
      tasks_.push_back({c, y, std::min(map.height, y + rows)});
  groupmax_.resize(static_cast<std::size_t>(map.channels) * groups_ * nseg_);
}

void CpuEngine::run(std::size_t n, const std::function<void(std::size_t)>& fn) {
  if (parallel_)
    pool_.parallel_for(n, fn);
  else
    for (std::size_t i = 0; i < n; ++i) fn(i);
}

CpuEngine::Channel CpuEngine::prepare(const HeatmapView& map, int c,
                                      const DecodeOptions& opt) const {
  const float* rm = cells(c);
  float m = -kInf;
  for (int y = 0; y < groups_ * nseg_; ++y) m = std::max(m, rm[y]);
  Channel ch;
  ch.m = m;
  if (m == -kInf) {
    ch.mode = 2;
    return ch;
  }
  if (m == kInf) {
    ch.mode = 1;
    return ch;
  }
  // m is finite, so it is the largest finite value: the decode rules of core/decode.hpp.
  const double beta = effective_beta(opt, m);
  // The cut-off of the class comment: all dropped terms move the result by <= 1e-6 px.
  const double n = static_cast<double>(map.pixels());
  const double t_min = std::max<double>(kernels::kMinExponent,
                                        std::log(1e-6 / (n * std::max(map.width, map.height))));
  ch.exp.m = m;
  ch.exp.beta = beta;
  ch.exp.t_min = static_cast<float>(t_min);
  // The float path where its error bound holds (cpu_kernels.hpp), the double path elsewhere.
  ch.exp.precise = !(beta >= kernels::kFloatBetaMin && beta <= kernels::kFloatBetaMax &&
                     std::max(map.width, map.height) <= kernels::kFloatExtent);
  // Cells whose max is this far below m contribute nothing: skip them unread. In double
  // (t_min / beta may be far beyond the float range); clamped at -FLT_MAX, which still skips
  // the cells with no valid pixel.
  const double thr = static_cast<double>(m) + static_cast<double>(ch.exp.t_min) / beta;
  constexpr double kFltMax = std::numeric_limits<float>::max();
  ch.threshold = static_cast<float>(std::max(thr, -kFltMax));
  if (static_cast<double>(ch.threshold) > thr)  // rounded up: one float lower, so never skips
    ch.threshold = std::nextafter(ch.threshold, -kInf);  // a cell that can contribute
  return ch;
}

Keypoint CpuEngine::finish(const HeatmapView& map, int c, const Channel& ch, double s, double sx,
                           double sy) const {
  if (ch.mode == 2) return invalid_keypoint(map.width, map.height);
  Keypoint k;
  // Argmax: the first row group holding the max, then the first pixel equal to it.
  const float* rm = cells(c);
  const int g = static_cast<int>(std::find(rm, rm + groups_ * nseg_, ch.m) - rm) / nseg_;
  // Typed row scans (this runs once per channel, on up to `group_` rows).
  int x = -1, y = g * group_;
  for (; y < map.height; ++y) {
    if (map.type == ElemType::kFloat32) {
      const float* row = map.row_f32(c, y);
      x = static_cast<int>(std::find(row, row + map.width, ch.m) - row);
    } else {
      const std::uint8_t* row = map.row_u8(c, y);
      x = static_cast<int>(std::find(row, row + map.width, static_cast<std::uint8_t>(ch.m)) - row);
    }
    if (x < map.width) break;
  }
  k.argmax_x = x;
  k.argmax_y = y;
  k.argmax_value = ch.m;
  if (ch.mode == 1) {
    // +Inf max: the +Inf pixels share the probability.
    double n = 0, ax = 0, ay = 0;
    for (int yy = 0; yy < map.height; ++yy) {
      const float* gc = rm + static_cast<std::ptrdiff_t>(yy / group_) * nseg_;
      if (std::find(gc, gc + nseg_, kInf) == gc + nseg_) continue;
      for (int xx = 0; xx < map.width; ++xx)
        if (map.at(c, yy, xx) == kInf) {
          n += 1;
          ax += xx;
          ay += yy;
        }
    }
    k.soft_x = ax / n;
    k.soft_y = ay / n;
    k.peak_probability = 1.0 / n;
    return k;
  }
  k.soft_x = sx / s;
  k.soft_y = sy / s;
  k.peak_probability = 1.0 / s;  // the max term is exp(0) = 1
  return k;
}

void CpuEngine::decode(const HeatmapView& map, const DecodeOptions& opt, std::span<Keypoint> out) {
  map.validate();
  opt.validate();
  if (out.size() < static_cast<std::size_t>(map.channels))
    throw std::invalid_argument("decode: output has room for " + std::to_string(out.size()) +
                                " channels, map has " + std::to_string(map.channels));
  plan(map);
  // Pass 1: the max of every cell (memory bound, NaN ignored).
  run(tasks_.size(), [&](std::size_t i) {
    const Task& t = tasks_[i];
    kernels::group_max(block_of(map, t.channel, t.y0, t.y1, group_, seg_), task_cells(t));
  });
  std::vector<Channel> chans(map.channels);
  for (int c = 0; c < map.channels; ++c) chans[c] = prepare(map, c, opt);
  // Pass 2: exponential sums over the cells that can contribute.
  std::vector<kernels::Sums> part(tasks_.size());
  run(tasks_.size(), [&](std::size_t i) {
    const Task& t = tasks_[i];
    const Channel& ch = chans[t.channel];
    if (ch.mode != 0) return;
    part[i] = kernels::exp_sums(block_of(map, t.channel, t.y0, t.y1, group_, seg_), task_cells(t),
                                ch.threshold, ch.exp);
  });
  // Combine in task order: deterministic whatever the thread count.
  std::size_t i = 0;
  for (int c = 0; c < map.channels; ++c) {
    double s = 0, sx = 0, sy = 0;
    for (; i < tasks_.size() && tasks_[i].channel == c; ++i) {
      s += part[i].s;
      sx += part[i].sx;
      sy += part[i].sy;
    }
    out[c] = finish(map, c, chans[c], s, sx, sy);
  }
}

Keypoint CpuEngine::softmax_map(const HeatmapView& map, int c, const DecodeOptions& opt,
                                float* out) {
  map.validate();
  if (c < 0 || c >= map.channels)
    throw std::out_of_range("softmax_map: channel " + std::to_string(c) + " out of range");
  const HeatmapView one = map.channel(c);
  Keypoint k;
  decode(one, opt, std::span<Keypoint>(&k, 1));
  const std::size_t n = one.pixels();
  if (!k.valid) {
    std::fill(out, out + n, 0.0f);
    return k;
  }
  if (std::isinf(k.argmax_value)) {  // +Inf max: uniform over the +Inf pixels
    for (int y = 0; y < one.height; ++y)
      for (int x = 0; x < one.width; ++x)
        out[static_cast<std::size_t>(y) * one.width + x] =
            one.at(0, y, x) == kInf ? static_cast<float>(k.peak_probability) : 0.0f;
    return k;
  }
  // plan() ran for `one`, so tasks_ and groupmax_ describe it; prepare() gives m and beta.
  const Channel ch = prepare(one, 0, opt);
  run(tasks_.size(), [&](std::size_t i) {
    const Task& t = tasks_[i];
    kernels::softmax_rows(block_of(one, 0, t.y0, t.y1, group_, seg_), ch.exp, k.peak_probability,
                          out + static_cast<std::size_t>(t.y0) * one.width);
  });
  return k;
}

// ---------------------------------------------------------------------------------------
// Engine interface: slots, decoded frames and their queries
// ---------------------------------------------------------------------------------------

// A frame the CPU engine decoded: the view it read (its own buffer or the caller's memory),
// its options and keypoints; the queries read the frame again.
class CpuEngine::Frame : public FrameQueries {
 public:
  Frame(CpuEngine& e, const HeatmapView& map, const DecodeOptions& opt)
      : e_(e), map_(map), opt_(opt) {}

  SoftmaxImage softmax(int c, const Keypoint&) override {
    buf_.resize(map_.pixels());
    SoftmaxImage img;
    img.keypoint = e_.softmax_map(map_, c, opt_, buf_.data());
    img.cpu = buf_.data();
    img.width = map_.width;
    img.height = map_.height;
    return img;
  }
  std::uint32_t values_texture(int) override { return 0; }
  std::vector<PeakWindow> windows(int radius, const std::vector<Keypoint>& kps) override {
    std::vector<PeakWindow> out(kps.size());
    for (std::size_t c = 0; c < kps.size(); ++c) {
      const Keypoint& k = kps[c];
      if (!k.valid) {
        out[c].radius = radius;
        out[c].map_width = map_.width;
        out[c].map_height = map_.height;
        continue;
      }
      out[c] = read_window(map_, static_cast<int>(c), static_cast<int>(k.argmax_x),
                           static_cast<int>(k.argmax_y), radius);
    }
    return out;
  }
  double blurred_max(int c, int kernel) override { return peakscope::blurred_max(map_, c, kernel); }
  BetaGrid beta_grid(const std::vector<double>& betas, bool normalize, bool debiased) override {
    return e_.beta_grid(map_, betas, normalize, debiased);
  }

 private:
  CpuEngine& e_;
  HeatmapView map_;
  DecodeOptions opt_;
  std::vector<float> buf_;  // the last softmax map (valid until the next query)
};

FrameSlot CpuEngine::acquire(const FrameShape& shape) {
  shape.validate();
  generation_.advance();
  if (!buffer_.has_shape(shape.type, shape.width, shape.height, shape.channels))
    buffer_ = Heatmap(shape.width, shape.height, shape.channels, shape.type);
  return FrameSlot::writable(this, buffer_.mutable_view(), ++ticket_);
}

DecodedFrame CpuEngine::decode(FrameSlot slot, const DecodeOptions& opt) {
  opt.validate();
  take_slot(slot, ticket_, "CpuEngine::decode");
  const HeatmapView map = slot.frame();
  DecodedFrame::Info info;
  info.keypoints.resize(static_cast<std::size_t>(map.channels));
  decode(map, opt, info.keypoints);
  info.shape = FrameShape::of(map);
  info.options = opt;
  info.backend = Backend::kCpu;
  auto q = std::make_shared<Frame>(*this, map, opt);
  return DecodedFrame(std::move(info), std::move(q), generation_.guard());
}

DecodedFrame CpuEngine::decode(const HeatmapView& frame, const DecodeOptions& opt) {
  frame.validate();
  opt.validate();
  generation_.advance();
  return decode(FrameSlot::borrowed(this, frame, ++ticket_), opt);
}

std::string CpuEngine::description() const {
  return std::string("CPU (") + simd_target() + ", " + std::to_string(threads()) + " threads)";
}

BetaGrid CpuEngine::beta_grid(const HeatmapView& map, const std::vector<double>& betas,
                              bool normalize, bool debiased) {
  for (double b : betas) validate_beta(b);
  BetaGrid g;
  g.betas = betas;
  g.normalize = normalize;
  for (double b : betas) {
    std::vector<Keypoint> k(static_cast<std::size_t>(map.channels));
    decode(map, {b, normalize}, k);
    g.keypoints.push_back(std::move(k));
  }
  if (debiased) {
    // One whole-map pass per (beta, channel), independent: spread over the pool.
    const std::size_t K = static_cast<std::size_t>(map.channels);
    g.debiased.assign(betas.size(), std::vector<DecodedPoint>(K));
    pool_.parallel_for(betas.size() * K, [&](std::size_t i) {
      const std::size_t j = i / K, c = i % K;
      g.debiased[j][c] =
          debiased_softargmax(map, static_cast<int>(c), g.keypoints[j][c], {betas[j], normalize});
    });
  }
  return g;
}

}  // namespace peakscope
