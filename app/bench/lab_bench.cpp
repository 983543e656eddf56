#include "app/bench/lab_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/lab/lab.hpp"

namespace peakscope::bench {

namespace {

const std::vector<DecoderKind> kKinds = {DecoderKind::kQuarter,  DecoderKind::kDark,
                                         DecoderKind::kDarkUdp,  DecoderKind::kWindow,
                                         DecoderKind::kCentroid, DecoderKind::kMediapipe};

// One engine's lab figures and the results they produced (for the GPU-CPU agreement).
struct EngineLab {
  double grid_us = kNa, windows_us = kNa;
  BetaGrid grid;
  std::vector<std::vector<DecodedPoint>> points;
};

// Decodes `map` on `engine`, then times its beta grid (once when grid_once) and the window
// decoders on that decode, into r (figures measured before a throw stay there).
void measure_engine_lab(Engine& engine, const HeatmapView& map, const DecodeOptions& opt,
                        bool grid_once, const Timing& timing, EngineLab& r) {
  const std::vector<double> betas = curve_betas();
  const DecoderParams params;
  const std::vector<Keypoint> kps = engine.decode(map, opt);
  auto grid = [&] { r.grid = engine.last_beta_grid(betas, opt.normalize, true); };
  if (grid_once) {
    const auto t0 = std::chrono::steady_clock::now();
    grid();
    r.grid_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  } else {
    r.grid_us = median_us(grid, timing);
  }
  r.windows_us =
      median_us([&] { r.points = decode_lab(engine, kps, kKinds, opt, params); }, timing);
}

// The largest coordinate difference between two engines' grids and decoder points (px).
double max_diff_px(const EngineLab& a, const EngineLab& b) {
  double d = 0;
  for (std::size_t j = 0; j < b.grid.keypoints.size(); ++j)
    for (std::size_t c = 0; c < b.grid.keypoints[j].size(); ++c) {
      d = std::max({d, std::abs(a.grid.keypoints[j][c].soft_x - b.grid.keypoints[j][c].soft_x),
                    std::abs(a.grid.keypoints[j][c].soft_y - b.grid.keypoints[j][c].soft_y),
                    std::abs(a.grid.debiased[j][c].x - b.grid.debiased[j][c].x),
                    std::abs(a.grid.debiased[j][c].y - b.grid.debiased[j][c].y)});
    }
  for (std::size_t c = 0; c < b.points.size(); ++c)
    for (std::size_t i = 0; i < kKinds.size(); ++i)
      d = std::max({d, std::abs(a.points[c][i].x - b.points[c][i].x),
                    std::abs(a.points[c][i].y - b.points[c][i].y)});
  return d;
}

}  // namespace

std::vector<double> curve_betas() {
  std::vector<double> b;
  for (int i = 0; i < 25; ++i) b.push_back(std::pow(10.0, -2 + 6.0 * i / 24));
  return b;
}

LabResult bench_lab(const std::string& name, gpu::GlEngine* gl, CpuEngine& cpu,
                    const HeatmapView& map, const DecodeOptions& opt, const Timing& timing) {
  LabResult r;
  r.name = name;
  // The CPU grid of a large frame (25 passes plus 25 debiased passes in double) takes seconds:
  // timed once there, so that a whole run stays within the device machine's time.
  const bool large = map.pixels() * static_cast<std::size_t>(map.channels) > (std::size_t{4} << 20);
  EngineLab c;
  measure_engine_lab(cpu, map, opt, large, timing, c);
  r.grid.cpu_us = c.grid_us;
  r.windows.cpu_us = c.windows_us;
  if (!gl) return r;
  EngineLab g;
  try {
    measure_engine_lab(*gl, map, opt, false, timing, g);
    r.gpu_vs_cpu_max_px = max_diff_px(g, c);
  } catch (const std::exception& e) {
    r.note = e.what();
  }
  r.grid.gpu_us = g.grid_us;
  r.windows.gpu_us = g.windows_us;
  return r;
}

}  // namespace peakscope::bench
