// peakscope-bench: headless GPU benchmark. Links only core and core/gpu (EGL, GL, epoxy,
// Highway): no OpenCV, no GLFW, so it runs on a bare GPU machine with the GL dispatch
// libraries beside it (../shared/device/README.md).
//
// For each size: medians of GPU compute alone (GL timer queries), upload + compute +
// readback (wall clock around a synchronous decode), and the CPU engine.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "app/bench/bench_maps.hpp"
#include "core/gpu/egl_context.hpp"
#include "core/gpu/fallback_engine.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/gpu/select_engine.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using peakscope::bench::BenchCase;

double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Row {
  std::string name;
  double gpu_compute_us = -1, gpu_roundtrip_us = -1, cpu_us = -1;
  int reps = 0;
  double max_diff_px = -1;  // GPU vs CPU soft-argmax, for the record
};

template <typename F>
std::vector<double> time_us(F&& f, double budget_s, int max_reps) {
  std::vector<double> t;
  const auto start = Clock::now();
  for (int i = 0; i < 3; ++i) f();  // warm-up
  while (static_cast<int>(t.size()) < max_reps &&
         (t.size() < 5 || std::chrono::duration<double>(Clock::now() - start).count() < budget_s)) {
    const auto a = Clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::micro>(Clock::now() - a).count());
  }
  return t;
}

void usage() {
  std::puts(
      "usage: peakscope-bench [--json] [--beta B] [--budget SECONDS] [--reps N] [--max-pixels N]\n"
      "  Medians per size of: GPU compute (timer queries), GPU upload+compute+readback,\n"
      "  CPU engine. --max-pixels skips larger cases (default: all, up to 8192x8192).");
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  double beta = 100, budget = 1.0;
  int reps = 200;
  long long max_pixels = 1LL << 40;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "peakscope-bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--json")
      json = true;
    else if (a == "--beta")
      beta = std::atof(next());
    else if (a == "--budget")
      budget = std::atof(next());
    else if (a == "--reps")
      reps = std::atoi(next());
    else if (a == "--max-pixels")
      max_pixels = std::atoll(next());
    else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "peakscope-bench: unknown argument '%s'\n", a.c_str());
      usage();
      return 2;
    }
  }
  if (!(beta > 0)) {
    std::fprintf(stderr, "peakscope-bench: --beta must be > 0\n");
    return 2;
  }

  // The GPU engine as the CLI gets it (forced: llvmpipe would otherwise pick the CPU); its
  // GL engine is driven directly for the timer queries, with its context current.
  namespace gpu = peakscope::gpu;
  gpu::EngineChoice choice =
      gpu::select_engine(peakscope::Backend::kGpu, gpu::ContextMode::kOwnHeadless, true);
  auto* fe = dynamic_cast<gpu::FallbackEngine*>(choice.engine.get());
  gpu::GlEngine* gl = fe ? fe->gl() : nullptr;
  if (!gl)
    std::fprintf(stderr, "peakscope-bench: %s; CPU figures only\n", choice.reason.c_str());
  else if (fe->headless_context())
    fe->headless_context()->make_current();
  peakscope::CpuEngine cpu;
  std::vector<Row> rows;
  for (const BenchCase& c : peakscope::bench::gpu_cases()) {
    if (static_cast<long long>(c.width) * c.height * c.channels > max_pixels) continue;
    const peakscope::Heatmap map = peakscope::bench::make_bench_map(c);
    const peakscope::DecodeOptions opt{beta, c.normalize};
    Row r;
    r.name = c.name;
    std::vector<peakscope::Keypoint> cpu_out;
    const auto tc = time_us([&] { cpu_out = cpu.decode(map.view(), opt); }, budget, reps);
    r.cpu_us = median(tc);
    if (gl) {
      std::vector<double> compute;
      std::vector<peakscope::Keypoint> gpu_out;
      try {
        const auto tg = time_us(
            [&] {
              gl->submit(map.view(), opt);
              auto f = gl->poll(true);
              if (f && f->gpu_ms > 0) compute.push_back(f->gpu_ms * 1e3);  // 0: no timer
              if (f) gpu_out = std::move(f->keypoints);
            },
            budget, reps);
        r.gpu_roundtrip_us = median(tg);
        r.gpu_compute_us = median(compute);
        r.reps = static_cast<int>(tg.size());
        double d = 0;
        for (std::size_t k = 0; k < gpu_out.size() && k < cpu_out.size(); ++k)
          d = std::max({d, std::abs(gpu_out[k].soft_x - cpu_out[k].soft_x),
                        std::abs(gpu_out[k].soft_y - cpu_out[k].soft_y)});
        r.max_diff_px = d;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "peakscope-bench: %s: %s\n", c.name.c_str(), e.what());
      }
    }
    rows.push_back(r);
  }

  const std::string device = gl ? gl->renderer() : std::string("none");
  if (json) {
    std::printf("{\"device\": \"%s\", \"beta\": %g, \"cpu\": \"%s, %d threads\", \"cases\": [\n",
                device.c_str(), beta, peakscope::CpuEngine::simd_target(), cpu.threads());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      std::printf(
          "  {\"name\": \"%s\", \"gpu_compute_us\": %.3f, \"gpu_upload_compute_readback_us\": "
          "%.3f, "
          "\"cpu_us\": %.3f, \"reps\": %d, \"gpu_vs_cpu_max_px\": %.3g}%s\n",
          r.name.c_str(), r.gpu_compute_us, r.gpu_roundtrip_us, r.cpu_us, r.reps, r.max_diff_px,
          i + 1 < rows.size() ? "," : "");
    }
    std::printf("]}\n");
  } else {
    std::printf("device: %s\nCPU engine: %s, %d threads; beta %g; medians\n", device.c_str(),
                peakscope::CpuEngine::simd_target(), cpu.threads(), beta);
    std::printf("%-16s %16s %24s %12s %10s\n", "case", "GPU compute us", "upload+compute+read us",
                "CPU us", "|GPU-CPU|");
    auto cell = [](double v) {  // -1: not measured (no GPU, or timer queries report nothing)
      char b[32];
      if (v < 0)
        std::snprintf(b, sizeof b, "n/a");
      else
        std::snprintf(b, sizeof b, v < 1 ? "%.3g" : "%.2f", v);
      return std::string(b);
    };
    for (const Row& r : rows)
      std::printf("%-16s %16s %24s %12s %10s\n", r.name.c_str(), cell(r.gpu_compute_us).c_str(),
                  cell(r.gpu_roundtrip_us).c_str(), cell(r.cpu_us).c_str(),
                  r.max_diff_px < 0 ? "-" : cell(r.max_diff_px).c_str());
  }
  return 0;
}
