#include "app/bench/measure.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "app/bench/bench_maps.hpp"
#include "app/bench/lab_bench.hpp"
#include "app/bench/timing.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/engine/fallback_engine.hpp"
#include "core/engine/select_engine.hpp"
#include "core/gpu/egl_context.hpp"
#include "core/gpu/gl_engine.hpp"

namespace peakscope::bench {

namespace {

// ---- One figure each -------------------------------------------------------------------

CpuResult measure_cpu(CpuEngine& cpu, const HeatmapView& map, const DecodeOptions& opt,
                      const Timing& t) {
  CpuResult r;
  r.us = median_us([&] { r.keypoints = cpu.decode(map, opt); }, t);
  return r;
}

RoundTripResult measure_round_trip(gpu::GlEngine& gl, const HeatmapView& map,
                                   const DecodeOptions& opt, const Timing& t) {
  RoundTripResult r;
  const std::vector<double> us = time_us(
      [&] {
        gl.submit(map, opt);
        if (auto f = gl.poll(true)) r.keypoints = std::move(f->keypoints);
      },
      t);
  r.us = median(us);
  r.reps = static_cast<int>(us.size());
  return r;
}

// One frame in flight while the next is copied in.
StreamedResult measure_streamed(gpu::GlEngine& gl, const HeatmapView& map, const DecodeOptions& opt,
                                const Timing& t) {
  constexpr int kBatch = 16;
  StreamedResult r;
  r.us = median_us(
             [&] {
               gl.submit(map, opt);
               for (int i = 1; i < kBatch; ++i) {
                 gl.submit(map, opt);
                 gl.poll(true);
               }
               gl.poll(true);
             },
             Timing{t.budget_s, std::max(1, t.max_reps / kBatch)}) /
         kBatch;
  return r;
}

// Every ring slot gets the frame once (as a source writes it), then frames are decoded from
// the slot they were written into, without the host copy.
InSlotResult measure_in_slot(gpu::GlEngine& gl, const HeatmapView& v, const DecodeOptions& opt,
                             const Timing& t) {
  for (int i = 0; i < gpu::GlEngine::kSlots; ++i) {
    copy_heatmap(v, gl.acquire_frame(v.type, v.width, v.height, v.channels));
    gl.decode_acquired(opt);
  }
  InSlotResult r;
  r.us = median_us(
      [&] {
        gl.acquire_frame(v.type, v.width, v.height, v.channels);
        r.keypoints = gl.decode_acquired(opt);
      },
      t);
  return r;
}

// The same frame, resident on the GPU, decoded again; n/a without usable timer queries.
KernelResult measure_kernel(gpu::GlEngine& gl, const DecodeOptions& opt, double bytes, bool timers,
                            const Timing& t) {
  std::vector<double> kt;
  time_us(
      [&] {
        const gpu::GpuFrame f = gl.decode_resident(opt);
        if (f.gpu_ms > 0) kt.push_back(f.gpu_ms * 1e3);
      },
      t);
  KernelResult r;
  if (timers && !kt.empty()) {
    r.us = median(kt);
    r.gbs = bytes / (r.us * 1e3);
  }
  return r;
}

// A raw copy of `bytes` from a persistently mapped staging buffer into a device-local one.
// GPU time from a timer query when usable, else wall clock around copy + glFinish.
FloorResult measure_floor(std::size_t bytes, bool timers, const Timing& t) {
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
  const std::vector<double> wall = time_us(
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
      t);
  glDeleteQueries(1, &q);
  glDeleteBuffers(2, b);
  return {timers ? median(gpu_t) : median(wall)};
}

Ratios ratios(const RoundTripResult& rt, const InSlotResult& slot, const FloorResult& floor) {
  Ratios r;
  if (floor.us > 0) {
    r.roundtrip_over_floor = rt.us / floor.us;
    r.in_slot_over_floor = slot.us / floor.us;
  }
  return r;
}

// The GPU-made scene, animated, decoded every frame.
SceneResult measure_scene(gpu::GlEngine& gl, const BenchCase& c, const DecodeOptions& opt,
                          const Timing& t) {
  Scene scene(bench_scene_config(c));
  return {median_us(
      [&] {
        scene.step();
        gl.submit_scene(scene, c.channels > 1, c.type, opt);
        gl.poll(true);
      },
      t)};
}

// The largest coordinate difference between two decodes of the same frame (px; 0 if empty).
double max_diff_px(const std::vector<Keypoint>& a, const std::vector<Keypoint>& b) {
  double d = 0;
  for (std::size_t k = 0; k < a.size() && k < b.size(); ++k)
    d = std::max({d, std::abs(a[k].soft_x - b[k].soft_x), std::abs(a[k].soft_y - b[k].soft_y)});
  return d;
}

// ---- One case --------------------------------------------------------------------------

// Every figure of case c on its frame `map`: the CPU engine, then (gl not null) the GPU's.
CaseResult measure_case(const BenchCase& c, const HeatmapView& map, gpu::GlEngine* gl,
                        CpuEngine& cpu, bool timers, const DecodeOptions& opt, const Timing& t) {
  CaseResult r;
  r.name = c.name;
  r.bytes = static_cast<double>(map.pixels()) * c.channels * elem_size(c.type);
  r.cpu = measure_cpu(cpu, map, opt, t);
  if (!gl) return r;
  try {
    r.round_trip = measure_round_trip(*gl, map, opt, t);
    r.streamed = measure_streamed(*gl, map, opt, t);
    r.in_slot = measure_in_slot(*gl, map, opt, t);
    r.gpu_vs_cpu_max_px = std::max(max_diff_px(r.round_trip.keypoints, r.cpu.keypoints),
                                   max_diff_px(r.in_slot.keypoints, r.cpu.keypoints));
    r.kernel = measure_kernel(*gl, opt, r.bytes, timers, t);
    r.floor = measure_floor(static_cast<std::size_t>(r.bytes), timers, t);
    r.ratios = ratios(r.round_trip, r.in_slot, r.floor);
    r.scene = measure_scene(*gl, c, opt, t);
  } catch (const std::exception& e) {
    r.note = e.what();
    std::fprintf(stderr, "peakscope-bench: %s: %s\n", c.name.c_str(), e.what());
    while (gl->poll(true)) {
    }
  }
  return r;
}

}  // namespace

BenchReport run_bench(const BenchOptions& o) {
  // The GPU engine as the CLI gets it; its GL engine is driven directly for the timer
  // queries, with its context current.
  EngineChoice choice = select_engine(Backend::kGpu, ContextMode::kOwnHeadless, true);
  auto* fe = dynamic_cast<FallbackEngine*>(choice.engine.get());
  gpu::GlEngine* gl = fe ? fe->gl() : nullptr;
  if (!gl)
    std::fprintf(stderr, "peakscope-bench: %s; CPU figures only\n", choice.reason.c_str());
  else if (fe->headless_context())
    fe->headless_context()->make_current();
  CpuEngine cpu;

  BenchReport report;
  report.device = gl ? gl->description() : std::string("none");
  report.beta = o.beta;
  report.cpu_target = CpuEngine::simd_target();
  report.cpu_threads = cpu.threads();
  // Software rasterisers report ~0 for timer queries: no GPU time is measured there.
  report.timer_queries = gl && !gpu::software_rasteriser(gl->renderer());
  const Timing t{o.budget_s, o.reps};
  for (const BenchCase& c : gpu_cases()) {
    if (static_cast<long long>(c.width) * c.height * c.channels > o.max_pixels) continue;
    if (!o.only.empty() && c.name.find(o.only) == std::string::npos) continue;
    std::fprintf(stderr, "peakscope-bench: %s\n", c.name.c_str());
    const Heatmap map = make_bench_map(c);
    const DecodeOptions opt{o.beta, c.normalize};
    report.cases.push_back(measure_case(c, map.view(), gl, cpu, report.timer_queries, opt, t));
    report.lab.push_back(bench_lab(c.name, gl, cpu, map.view(), opt, t));
  }
  return report;
}

}  // namespace peakscope::bench
