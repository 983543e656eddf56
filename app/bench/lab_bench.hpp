// The decoding lab's figures for peakscope-bench: on the frame just decoded, the beta grid
// (the viewer's 25 curve betas, every channel, with debiased) and the window decoders through
// decode_lab (one window read), on the GPU engine and on the CPU engine, median wall-clock us.
#pragma once

#include <functional>
#include <string>

#include "core/cpu/cpu_engine.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/heatmap.hpp"

namespace peakscope::bench {

struct LabRow {
  std::string name, note;
  double grid_gpu_us = -1, grid_cpu_us = -1;        // 25 betas x all channels + debiased
  double windows_gpu_us = -1, windows_cpu_us = -1;  // quarter, dark, dark-udp, window, ...
  double max_diff_px = -1;                          // GPU vs CPU over the grid and decoders
};

// The viewer's curve betas: 25 from 1e-2 to 1e4, log-spaced.
std::vector<double> curve_betas();

// Times the lab on `map` (decoded first on each engine with `opt`); median_us(f) runs f
// repeatedly and returns its median time in microseconds (the CPU grid of a frame over 4M
// pixels is timed once). gl may be null (CPU figures only).
LabRow bench_lab(const std::string& name, gpu::GlEngine* gl, CpuEngine& cpu, const HeatmapView& map,
                 const DecodeOptions& opt,
                 const std::function<double(const std::function<void()>&)>& median_us);

}  // namespace peakscope::bench
