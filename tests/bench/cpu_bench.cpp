// Google Benchmark of the CPU engine (beta 100) and, for scale, the reference.
// scripts/bench-cpu runs it next to the seed's NumPy code and prints the ratios.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "app/bench/bench_maps.hpp"
#include "core/cpu/cpu_engine.hpp"
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

// The two precisions of pass 2 on the same 2^22 pixels (a ramp 0..1, beta 1: every pixel pays
// an exp): 4096 x 1024 takes the float path, 1 x 2^22 (extent > 4096) the double path.
void BM_Path(benchmark::State& state, int w, int h) {
  std::vector<float> d(static_cast<std::size_t>(w) * h);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<float>(i) / (d.size() - 1);
  const auto view = peakscope::HeatmapView::dense(d.data(), w, h);
  std::vector<Keypoint> out(1);
  for (auto _ : state) {
    engine().decode(view, {1.0, false}, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetLabel(std::string(CpuEngine::simd_target()) + ", " + std::to_string(engine().threads()) +
                 " threads");
}

const int registered = [] {
  benchmark::RegisterBenchmark("path/4096x1024 f32/beta1/float", BM_Path, 4096, 1024)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark("path/4194304x1 f32/beta1/double", BM_Path, 1 << 22, 1)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
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
