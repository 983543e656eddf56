// peakscope-bench's measurements: every figure of every selected case, GPU and CPU, as a
// BenchReport (app/bench/bench_results.hpp). Prints only progress and failures, on stderr.
#pragma once

#include "app/bench/bench_options.hpp"
#include "app/bench/bench_results.hpp"

namespace peakscope::bench {

// Creates the GPU engine as the CLI gets it (forced: llvmpipe would otherwise pick the CPU)
// and the CPU engine, then measures the cases of gpu_cases() (app/bench/bench_maps.hpp) that
// `o` selects, and the decoding lab on each (app/bench/lab_bench.hpp). Without a GPU the GPU
// figures are n/a; a GPU failure in a case leaves that case's remaining GPU figures n/a with
// the reason in its note.
BenchReport run_bench(const BenchOptions& o);

}  // namespace peakscope::bench
