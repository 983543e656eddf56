// The decoding lab's figures for peakscope-bench: on a case's frame, the beta grid (the
// viewer's 25 curve betas, every channel, with debiased) and the window decoders through
// decode_lab (one window read), on the GPU engine and on the CPU engine, median wall-clock us.
#pragma once

#include <string>
#include <vector>

#include "app/bench/bench_results.hpp"
#include "app/bench/timing.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/heatmap.hpp"

namespace peakscope::bench {

// The viewer's curve betas: 25 from 1e-2 to 1e4, log-spaced.
std::vector<double> curve_betas();

// Times the lab on `map` (decoded first on each engine with `opt`), the CPU engine first; the
// CPU grid of a frame over 4M pixels is timed once. gl may be null (CPU figures only); a GPU
// failure leaves the GPU figures n/a and its message in the note.
LabResult bench_lab(const std::string& name, gpu::GlEngine* gl, CpuEngine& cpu,
                    const HeatmapView& map, const DecodeOptions& opt, const Timing& timing);

}  // namespace peakscope::bench
