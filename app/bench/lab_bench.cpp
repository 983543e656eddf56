#include "app/bench/lab_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/lab/lab.hpp"

namespace peakscope::bench {

std::vector<double> curve_betas() {
  std::vector<double> b;
  for (int i = 0; i < 25; ++i) b.push_back(std::pow(10.0, -2 + 6.0 * i / 24));
  return b;
}

LabRow bench_lab(const std::string& name, gpu::GlEngine* gl, CpuEngine& cpu, const HeatmapView& map,
                 const DecodeOptions& opt,
                 const std::function<double(const std::function<void()>&)>& median_us) {
  LabRow r;
  r.name = name;
  const std::vector<double> betas = curve_betas();
  const std::vector<DecoderKind> kinds = {DecoderKind::kQuarter,  DecoderKind::kDark,
                                          DecoderKind::kDarkUdp,  DecoderKind::kWindow,
                                          DecoderKind::kCentroid, DecoderKind::kMediapipe};
  const DecoderParams params;
  const std::vector<Keypoint> kc = cpu.decode(map, opt);
  BetaGrid gc;
  std::vector<std::vector<DecodedPoint>> pc;
  // The CPU grid of a large frame (25 passes plus 25 debiased passes in double) takes seconds:
  // timed once there, so that a whole run stays within the device machine's time.
  const bool large = map.pixels() * static_cast<std::size_t>(map.channels) > (std::size_t{4} << 20);
  auto grid_cpu = [&] { gc = cpu.last_beta_grid(betas, opt.normalize, true); };
  if (large) {
    const auto t0 = std::chrono::steady_clock::now();
    grid_cpu();
    r.grid_cpu_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  } else {
    r.grid_cpu_us = median_us(grid_cpu);
  }
  r.windows_cpu_us = median_us([&] { pc = decode_lab(cpu, kc, kinds, opt, params); });
  if (!gl) return r;
  try {
    const std::vector<Keypoint> kg = gl->decode(map, opt);
    BetaGrid gg;
    std::vector<std::vector<DecodedPoint>> pg;
    r.grid_gpu_us = median_us([&] { gg = gl->last_beta_grid(betas, opt.normalize, true); });
    r.windows_gpu_us = median_us([&] { pg = decode_lab(*gl, kg, kinds, opt, params); });
    double d = 0;
    for (std::size_t j = 0; j < betas.size(); ++j)
      for (std::size_t c = 0; c < kc.size(); ++c) {
        d = std::max({d, std::abs(gg.keypoints[j][c].soft_x - gc.keypoints[j][c].soft_x),
                      std::abs(gg.keypoints[j][c].soft_y - gc.keypoints[j][c].soft_y),
                      std::abs(gg.debiased[j][c].x - gc.debiased[j][c].x),
                      std::abs(gg.debiased[j][c].y - gc.debiased[j][c].y)});
      }
    for (std::size_t c = 0; c < pc.size(); ++c)
      for (std::size_t i = 0; i < kinds.size(); ++i)
        d = std::max({d, std::abs(pg[c][i].x - pc[c][i].x), std::abs(pg[c][i].y - pc[c][i].y)});
    r.max_diff_px = d;
  } catch (const std::exception& e) {
    r.note = e.what();
  }
  return r;
}

}  // namespace peakscope::bench
