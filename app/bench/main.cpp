// peakscope-bench: headless GPU benchmark. Links only core and core/gpu (EGL, GL, epoxy,
// Highway): no OpenCV, no GLFW, so it runs on a bare GPU machine with the GL dispatch
// libraries beside it (scripts/bench-gpu --prepare-device).
//
// Per case, medians of:
//   kernel      the decode dispatches alone on the frame resident in device memory (GL timer
//               queries) and the rate it reads the frame at (GB/s);
//   round trip  a host frame through the engine: copy into staging (split over threads), DMA
//               into device memory (a discrete GPU), decode, read back (wall clock);
//   streamed    host frames back to back as a live source feeds them: each submitted without
//               waiting, its results read one frame later, so the copy and DMA of frame N+1
//               overlap the decode of frame N (wall clock per frame, over batches of 16);
//   in slot     the same with the frame already written into the staging slot by its source
//               (Engine::acquire_frame: the .npy reader, the scene): DMA, decode, read back;
//               the source's own write replaces its write into a host buffer, so it is not
//               counted; the difference to the round trip is the host copy saved;
//   floor       a raw staging -> device copy of the same bytes in the same run (timer query,
//               else wall clock), and round trip / floor;
//   scene       the GPU-made scene (core/scene on the GPU, animated) + its decode per frame;
//   cpu         the CPU engine on the host frame.
// Then the decoding lab per case (app/bench/lab_bench.hpp): the beta grid of 25 betas with
// debiased, and the window decoders, on the GPU and CPU engines.
// n/a where a figure cannot be measured (no GPU, a frame beyond its limits, timer queries that
// return nothing usable, as on llvmpipe).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "app/bench/bench_maps.hpp"
#include "app/bench/lab_bench.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/engine/fallback_engine.hpp"
#include "core/engine/select_engine.hpp"
#include "core/gpu/egl_context.hpp"
#include "core/gpu/gl_engine.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using peakscope::bench::BenchCase;
namespace gpu = peakscope::gpu;

constexpr double kNa = -1;

double median(std::vector<double> v) {
  if (v.empty()) return kNa;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Row {
  std::string name, note;
  double bytes = 0;
  double kernel_us = kNa, kernel_gbs = kNa, roundtrip_us = kNa, streamed_us = kNa, in_slot_us = kNa,
         floor_us = kNa, ratio = kNa, in_slot_ratio = kNa, scene_us = kNa, cpu_us = kNa,
         max_diff_px = kNa;
  int reps = 0;
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

// A raw copy of `bytes` from a persistently mapped staging buffer into a device-local one:
// the floor for any frame that starts in host memory. GPU time from a timer query when
// usable, else wall clock around copy + glFinish.
double transfer_floor_us(std::size_t bytes, bool timers, double budget, int reps) {
  GLuint b[2];
  glGenBuffers(2, b);
  const GLbitfield kWrite = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
  glBindBuffer(GL_COPY_READ_BUFFER, b[0]);
  glBufferStorage(GL_COPY_READ_BUFFER, static_cast<GLsizeiptr>(bytes), nullptr, kWrite);
  void* p = glMapBufferRange(GL_COPY_READ_BUFFER, 0, static_cast<GLsizeiptr>(bytes), kWrite);
  if (p) std::memset(p, 1, bytes);
  glBindBuffer(GL_COPY_WRITE_BUFFER, b[1]);
  glBufferStorage(GL_COPY_WRITE_BUFFER, static_cast<GLsizeiptr>(bytes), nullptr, 0);
  GLuint q = 0;
  glGenQueries(1, &q);
  std::vector<double> gpu_t;
  const auto wall = time_us(
      [&] {
        glBeginQuery(GL_TIME_ELAPSED, q);
        glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0, 0,
                            static_cast<GLsizeiptr>(bytes));
        glEndQuery(GL_TIME_ELAPSED);
        glFinish();
        GLuint64 ns = 0;
        glGetQueryObjectui64v(q, GL_QUERY_RESULT, &ns);
        gpu_t.push_back(static_cast<double>(ns) * 1e-3);
      },
      budget, reps);
  glDeleteQueries(1, &q);
  glDeleteBuffers(2, b);
  return timers ? median(gpu_t) : median(wall);
}

void usage() {
  std::puts(
      "usage: peakscope-bench [--json] [--beta B] [--budget SECONDS] [--reps N] [--max-pixels N]\n"
      "                       [--case TEXT]\n"
      "  Medians per case: GPU kernel on device-resident data (timer queries, GB/s), host-frame\n"
      "  round trip, the same from a frame written into the staging slot (in slot), transfer\n"
      "  floor (staging -> device copy) and both ratios, GPU-made scene + decode per frame, CPU\n"
      "  engine. --max-pixels skips larger cases; --case keeps the cases whose name contains "
      "TEXT.");
}

std::string cell(double v) {
  char b[32];
  if (v < 0)
    std::snprintf(b, sizeof b, "n/a");
  else
    std::snprintf(b, sizeof b, v < 10 ? "%.3g" : "%.1f", v);
  return b;
}
std::string jnum(double v) {
  char b[32];
  if (v < 0) return "null";
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}
std::string jstr(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    o += (ch == '\n' ? ' ' : ch);
  }
  return o + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  double beta = 100, budget = 1.0;
  int reps = 200;
  long long max_pixels = 1LL << 40;
  std::string only;
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
    else if (a == "--case")
      only = next();
    else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "peakscope-bench: unknown argument '%s'\n", a.c_str());
      usage();
      return 2;
    }
  }
  if (auto p = peakscope::beta_problem(beta); !p.empty()) {
    std::fprintf(stderr, "peakscope-bench: --beta: %s\n", p.c_str());
    return 2;
  }

  // The GPU engine as the CLI gets it (forced: llvmpipe would otherwise pick the CPU); its
  // GL engine is driven directly for the timer queries, with its context current.
  peakscope::EngineChoice choice = peakscope::select_engine(
      peakscope::Backend::kGpu, peakscope::ContextMode::kOwnHeadless, true);
  auto* fe = dynamic_cast<peakscope::FallbackEngine*>(choice.engine.get());
  gpu::GlEngine* gl = fe ? fe->gl() : nullptr;
  if (!gl)
    std::fprintf(stderr, "peakscope-bench: %s; CPU figures only\n", choice.reason.c_str());
  else if (fe->headless_context())
    fe->headless_context()->make_current();
  const std::string device = gl ? gl->description() : std::string("none");
  // Software rasterisers report ~0 for timer queries: no GPU time is measured there.
  const bool timers = gl && !gpu::software_rasteriser(gl->renderer());

  peakscope::CpuEngine cpu;
  std::vector<Row> rows;
  std::vector<peakscope::bench::LabRow> lab_rows;
  for (const BenchCase& c : peakscope::bench::gpu_cases()) {
    if (static_cast<long long>(c.width) * c.height * c.channels > max_pixels) continue;
    if (!only.empty() && c.name.find(only) == std::string::npos) continue;
    std::fprintf(stderr, "peakscope-bench: %s\n", c.name.c_str());
    const peakscope::Heatmap map = peakscope::bench::make_bench_map(c);
    const peakscope::DecodeOptions opt{beta, c.normalize};
    Row r;
    r.name = c.name;
    r.bytes = static_cast<double>(map.view().pixels()) * c.channels * peakscope::elem_size(c.type);
    std::vector<peakscope::Keypoint> cpu_out;
    r.cpu_us = median(time_us([&] { cpu_out = cpu.decode(map.view(), opt); }, budget, reps));
    if (gl) {
      try {
        std::vector<peakscope::Keypoint> gpu_out;
        const auto rt = time_us(
            [&] {
              gl->submit(map.view(), opt);
              if (auto f = gl->poll(true)) gpu_out = std::move(f->keypoints);
            },
            budget, reps);
        r.roundtrip_us = median(rt);
        r.reps = static_cast<int>(rt.size());
        double d = 0;
        for (std::size_t k = 0; k < gpu_out.size() && k < cpu_out.size(); ++k)
          d = std::max({d, std::abs(gpu_out[k].soft_x - cpu_out[k].soft_x),
                        std::abs(gpu_out[k].soft_y - cpu_out[k].soft_y)});
        // Streamed: one frame in flight while the next is copied in.
        constexpr int kBatch = 16;
        r.streamed_us = median(time_us(
                            [&] {
                              gl->submit(map.view(), opt);
                              for (int i = 1; i < kBatch; ++i) {
                                gl->submit(map.view(), opt);
                                gl->poll(true);
                              }
                              gl->poll(true);
                            },
                            budget, std::max(1, reps / kBatch))) /
                        kBatch;
        // In slot: every ring slot gets the frame once (as a source writes it), then frames are
        // decoded from the slot they were written into, without the host copy.
        const peakscope::HeatmapView v = map.view();
        for (int i = 0; i < gpu::GlEngine::kSlots; ++i) {
          peakscope::copy_heatmap(v, gl->acquire_frame(v.type, v.width, v.height, v.channels));
          gl->decode_acquired(opt);
        }
        std::vector<peakscope::Keypoint> slot_out;
        r.in_slot_us = median(time_us(
            [&] {
              gl->acquire_frame(v.type, v.width, v.height, v.channels);
              slot_out = gl->decode_acquired(opt);
            },
            budget, reps));
        for (std::size_t k = 0; k < slot_out.size() && k < cpu_out.size(); ++k)
          d = std::max({d, std::abs(slot_out[k].soft_x - cpu_out[k].soft_x),
                        std::abs(slot_out[k].soft_y - cpu_out[k].soft_y)});
        r.max_diff_px = d;
        // The kernel alone: the same frame, resident on the GPU, decoded again.
        std::vector<double> kt;
        time_us(
            [&] {
              const gpu::GpuFrame f = gl->decode_resident(opt);
              if (f.gpu_ms > 0) kt.push_back(f.gpu_ms * 1e3);
            },
            budget, reps);
        if (timers && !kt.empty()) {
          r.kernel_us = median(kt);
          r.kernel_gbs = r.bytes / (r.kernel_us * 1e3);
        }
        r.floor_us = transfer_floor_us(static_cast<std::size_t>(r.bytes), timers, budget, reps);
        if (r.floor_us > 0) r.ratio = r.roundtrip_us / r.floor_us;
        if (r.floor_us > 0) r.in_slot_ratio = r.in_slot_us / r.floor_us;
        // The GPU-made scene, animated, decoded every frame.
        peakscope::Scene scene(peakscope::bench::bench_scene_config(c));
        r.scene_us = median(time_us(
            [&] {
              scene.step();
              gl->submit_scene(scene, c.channels > 1, c.type, opt);
              gl->poll(true);
            },
            budget, reps));
      } catch (const std::exception& e) {
        r.note = e.what();
        std::fprintf(stderr, "peakscope-bench: %s: %s\n", c.name.c_str(), e.what());
        while (gl->poll(true)) {
        }
      }
    }
    rows.push_back(r);
    // The decoding lab on this frame (app/bench/lab_bench.hpp).
    lab_rows.push_back(peakscope::bench::bench_lab(
        c.name, gl, cpu, map.view(), opt,
        [&](const std::function<void()>& f) { return median(time_us(f, budget, reps)); }));
  }

  if (json) {
    std::printf(
        "{\"device\": %s, \"beta\": %g, \"cpu\": \"%s, %d threads\", \"timer_queries\": %s,\n"
        " \"cases\": [\n",
        jstr(device).c_str(), beta, peakscope::CpuEngine::simd_target(), cpu.threads(),
        timers ? "true" : "false");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      std::printf(
          "  {\"name\": \"%s\", \"bytes\": %.0f, \"gpu_compute_us\": %s, \"gpu_kernel_gbs\": %s, "
          "\"gpu_roundtrip_us\": %s, \"gpu_streamed_us\": %s, \"gpu_roundtrip_in_slot_us\": %s, "
          "\"transfer_floor_us\": %s, "
          "\"roundtrip_over_floor\": %s, \"in_slot_over_floor\": %s, "
          "\"gpu_scene_decode_us\": %s, \"cpu_us\": %s, \"reps\": %d, \"gpu_vs_cpu_max_px\": %s, "
          "\"note\": %s}%s\n",
          r.name.c_str(), r.bytes, jnum(r.kernel_us).c_str(), jnum(r.kernel_gbs).c_str(),
          jnum(r.roundtrip_us).c_str(), jnum(r.streamed_us).c_str(), jnum(r.in_slot_us).c_str(),
          jnum(r.floor_us).c_str(), jnum(r.ratio).c_str(), jnum(r.in_slot_ratio).c_str(),
          jnum(r.scene_us).c_str(), jnum(r.cpu_us).c_str(), r.reps, jnum(r.max_diff_px).c_str(),
          jstr(r.note).c_str(), i + 1 < rows.size() ? "," : "");
    }
    std::printf("],\n \"lab\": [\n");
    for (std::size_t i = 0; i < lab_rows.size(); ++i) {
      const peakscope::bench::LabRow& r = lab_rows[i];
      std::printf(
          "  {\"name\": \"%s\", \"grid25_debiased_gpu_us\": %s, \"grid25_debiased_cpu_us\": %s, "
          "\"windows_decoders_gpu_us\": %s, \"windows_decoders_cpu_us\": %s, "
          "\"gpu_vs_cpu_max_px\": %s, \"note\": %s}%s\n",
          r.name.c_str(), jnum(r.grid_gpu_us).c_str(), jnum(r.grid_cpu_us).c_str(),
          jnum(r.windows_gpu_us).c_str(), jnum(r.windows_cpu_us).c_str(),
          jnum(r.max_diff_px).c_str(), jstr(r.note).c_str(), i + 1 < lab_rows.size() ? "," : "");
    }
    std::printf("]}\n");
  } else {
    std::printf("device: %s\nCPU engine: %s, %d threads; beta %g; medians in us%s\n",
                device.c_str(), peakscope::CpuEngine::simd_target(), cpu.threads(), beta,
                timers ? "" : " (no usable timer queries: kernel n/a)");
    std::printf("%-17s %9s %8s %11s %9s %9s %9s %7s %7s %11s %9s %9s\n", "case", "kernel", "GB/s",
                "round trip", "streamed", "in slot", "floor", "ratio", "slot/fl", "scene+dec",
                "CPU", "|GPU-CPU|");
    for (const Row& r : rows)
      std::printf("%-17s %9s %8s %11s %9s %9s %9s %7s %7s %11s %9s %9s%s%s\n", r.name.c_str(),
                  cell(r.kernel_us).c_str(), cell(r.kernel_gbs).c_str(),
                  cell(r.roundtrip_us).c_str(), cell(r.streamed_us).c_str(),
                  cell(r.in_slot_us).c_str(), cell(r.floor_us).c_str(), cell(r.ratio).c_str(),
                  cell(r.in_slot_ratio).c_str(), cell(r.scene_us).c_str(), cell(r.cpu_us).c_str(),
                  r.max_diff_px < 0 ? "-" : cell(r.max_diff_px).c_str(), r.note.empty() ? "" : "  ",
                  r.note.c_str());
    std::printf(
        "\ndecoding lab (medians in us): beta grid = 25 betas x all channels + debiased, "
        "one submission; windows = quarter, dark, dark-udp, window, centroid, mediapipe "
        "from one window read\n");
    std::printf("%-17s %11s %11s %11s %11s %9s\n", "case", "grid GPU", "grid CPU", "windows GPU",
                "windows CPU", "|GPU-CPU|");
    for (const peakscope::bench::LabRow& r : lab_rows)
      std::printf("%-17s %11s %11s %11s %11s %9s%s%s\n", r.name.c_str(),
                  cell(r.grid_gpu_us).c_str(), cell(r.grid_cpu_us).c_str(),
                  cell(r.windows_gpu_us).c_str(), cell(r.windows_cpu_us).c_str(),
                  r.max_diff_px < 0 ? "-" : cell(r.max_diff_px).c_str(), r.note.empty() ? "" : "  ",
                  r.note.c_str());
  }
  return 0;
}
