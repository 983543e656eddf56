// Google Benchmark of the CPU engine (beta 100) and, for scale, the reference.
// scripts/bench-cpu runs it next to the seed's NumPy code and prints the ratios.
#include <benchmark/benchmark.h>

#include <memory>

#include "app/bench/bench_maps.hpp"
#include "core/cpu_engine.hpp"
#include "core/reference.hpp"

namespace {

using peakscope::CpuEngine;
using peakscope::Keypoint;
using peakscope::bench::BenchCase;

CpuEngine& engine() {
  static CpuEngine e;  // the pool is created once, not per call
  return e;
}

void BM_CpuEngine(benchmark::State& state, BenchCase c, double beta) {
  const peakscope::Heatmap map = peakscope::bench::make_bench_map(c);
  std::vector<Keypoint> out(c.channels);
  const peakscope::DecodeOptions opt{beta, c.normalize};
  for (auto _ : state) {
    engine().decode(map.view(), opt, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * map.size_bytes());
  state.SetLabel(std::string(CpuEngine::simd_target()) + ", " + std::to_string(engine().threads()) +
                 " threads");
}

void BM_Reference(benchmark::State& state, BenchCase c) {
  const peakscope::Heatmap map = peakscope::bench::make_bench_map(c);
  for (auto _ : state) {
    auto r = peakscope::reference::decode_all(map.view(), {100.0, c.normalize});
    benchmark::DoNotOptimize(r.data());
  }
}

const int registered = [] {
  for (const BenchCase& c : peakscope::bench::standard_cases()) {
    benchmark::RegisterBenchmark(("cpu/" + c.name + "/beta100").c_str(), BM_CpuEngine, c, 100.0)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    // beta 1: nothing can be skipped, every pixel pays an exp (the worst case).
    benchmark::RegisterBenchmark(("cpu/" + c.name + "/beta1").c_str(), BM_CpuEngine, c, 1.0)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
  benchmark::RegisterBenchmark("reference/256x256 f32", BM_Reference,
                               peakscope::bench::standard_cases()[1])
      ->Unit(benchmark::kMicrosecond);
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
