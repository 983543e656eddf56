// The CPU engine: argmax, soft-argmax and peak probability of every channel of a K x H x W
// stack, float32 or uint8, any row stride; SIMD (Highway, runtime dispatch) on a thread pool
// created once. Within 1e-3 px and 1e-6 relative peak probability of core/reference for every
// input the API accepts: any finite values (denormals to +-3.4e38), every beta in
// [kBetaMin, kBetaMax], maps up to 8192 x 8192 and rows up to 2^24 pixels
// (tests/unit/accuracy_test.cpp, tests/gl/engine_contract_test.cpp, tests/fuzz/decode_fuzz.cpp).
//
// Two passes, the second one mostly skipped: pass 1 takes the max of each cell (a group of
// rows by a segment of columns); pass 2 computes exp(beta (x - m)) only in the cells that can
// contribute. Terms whose exponent is below t_min are dropped unread, where t_min (>= -87, so
// exp stays a normal float) is chosen so that all dropped terms together move the
// soft-argmax by at most 1e-6 px: pixels * max(width, height) * exp(t_min) <= 1e-6.
//
// Pass 2 has two precisions (cpu_kernels.hpp). The float path (beta_eff in [1e-36, 1e38]
// and max(W, H) <= 4096, every benchmark case) forms the reduced exponent with one FMA so the
// product beta (v - m) adds no error, and flushes float partial sums into double every 16
// vectors: each weight is within ~1e-7 relative, and a relative error d common to part of the
// map moves the result by at most d * extent / 4 (< 3e-4 px at 4096). Elsewhere (wider or
// taller maps, a beta_eff the float range cannot carry: a normalised denormal maximum,
// beta * (v - m) past FLT_MAX) the double path computes the exponent, exp and sums in double.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "core/cpu/cpu_kernels.hpp"
#include "core/cpu/thread_pool.hpp"
#include "core/decode.hpp"
#include "core/engine/engine.hpp"
#include "core/heatmap.hpp"

namespace peakscope {

class CpuEngine : public Engine {
 public:
  // threads: total parallelism; 0 = all hardware threads.
  explicit CpuEngine(int threads = 0);

  // Engine: a buffer of the engine's as the slot (reused while the shape holds); a host
  // frame is read where it lies (no copy: the caller keeps it alive and unchanged while it
  // queries the DecodedFrame).
  FrameSlot acquire(const FrameShape& shape) override;
  DecodedFrame decode(FrameSlot slot, const DecodeOptions& opt) override;
  DecodedFrame decode(const HeatmapView& frame, const DecodeOptions& opt) override;
  using Engine::decode;
  Backend kind() const override { return Backend::kCpu; }
  std::string description() const override;

  // The keypoints of every channel of `map` into `out` (at least map.channels long), without
  // a DecodedFrame. Throws std::invalid_argument for an invalid view or options.
  void decode(const HeatmapView& map, const DecodeOptions& opt, std::span<Keypoint> out);
  // The softmax map p of channel c (H * W floats, row-major, summing to 1) and its keypoint.
  Keypoint softmax_map(const HeatmapView& map, int c, const DecodeOptions& opt, float* out);
  // `map` decoded at every beta (DecodedFrame::beta_grid).
  BetaGrid beta_grid(const HeatmapView& map, const std::vector<double>& betas, bool normalize,
                     bool debiased);

  int threads() const { return pool_.size(); }
  // How the last decode split its passes: the number of tasks (row ranges of one channel), and
  // whether they ran on the thread pool (more than one thread and a large enough frame) rather
  // than on the calling thread alone. The split never depends on the thread count.
  std::size_t last_task_count() const { return tasks_.size(); }
  bool last_ran_on_pool() const { return parallel_; }
  // The SIMD target picked at run time, e.g. "AVX2".
  static const char* simd_target();

 private:
  struct Task {
    int channel, y0, y1;
  };
  struct Channel {  // per-channel state between the two passes
    float m = 0, threshold = 0;
    kernels::ExpArgs exp;
    int mode = 0;  // 0 normal, 1 +Inf max, 2 no valid pixel
  };
  void plan(const HeatmapView& map);
  void run(std::size_t n, const std::function<void(std::size_t)>& fn);
  Channel prepare(const HeatmapView& map, int c, const DecodeOptions& opt) const;
  Keypoint finish(const HeatmapView& map, int c, const Channel& ch, double s, double sx,
                  double sy) const;

  class Frame;

  ThreadPool pool_;
  Heatmap buffer_;  // the slot acquire() hands out
  std::uint64_t ticket_ = 0;
  std::vector<Task> tasks_;
  // The max of each cell (a group of rows by a segment of columns), per channel
  // groups_ x nseg_ in row-major order.
  const float* cells(int c) const {
    return groupmax_.data() + static_cast<std::size_t>(c) * groups_ * nseg_;
  }
  float* task_cells(const Task& t) {
    return groupmax_.data() +
           (static_cast<std::size_t>(t.channel) * groups_ + t.y0 / group_) * nseg_;
  }
  std::vector<float> groupmax_;  // K * groups_ * nseg_
  int group_ = 1;                // rows per group
  int groups_ = 0;               // groups per channel
  int seg_ = 1;                  // columns per segment
  int nseg_ = 1;                 // segments per row
  bool parallel_ = false;
};

}  // namespace peakscope
