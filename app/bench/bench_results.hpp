// peakscope-bench's figures as plain values: the measuring functions (app/bench/measure.hpp,
// app/bench/lab_bench.hpp) fill them, the printers (app/bench/report.hpp) read them. Times
// are medians in microseconds; kNa marks a figure that could not be measured (no GPU, a
// frame beyond its limits, timer queries that return nothing usable, as on llvmpipe).
#pragma once

#include <string>
#include <vector>

#include "core/decode.hpp"

namespace peakscope::bench {

constexpr double kNa = -1;

// The decode dispatches alone on the frame resident in device memory (GL timer queries) and
// the rate they read the frame at (GB/s).
struct KernelResult {
  double us = kNa, gbs = kNa;
};

// A host frame through the engine: copy into staging (split over threads), DMA into device
// memory (a discrete GPU), decode, read back (wall clock).
struct RoundTripResult {
  double us = kNa;
  int reps = 0;                     // round trips timed
  std::vector<Keypoint> keypoints;  // the last one's, for the GPU-CPU agreement
};

// Host frames back to back as a live source feeds them: each submitted without waiting, its
// results read one frame later, so the copy and DMA of frame N+1 overlap the decode of frame
// N (wall clock per frame, over batches of 16).
struct StreamedResult {
  double us = kNa;
};

// The frame already written into the staging slot by its source (Engine::acquire_frame: the
// .npy reader, the scene): DMA, decode, read back. The source's own write replaces its write
// into a host buffer, so it is not counted; the difference to the round trip is the host
// copy saved.
struct InSlotResult {
  double us = kNa;
  std::vector<Keypoint> keypoints;  // the last one's, for the GPU-CPU agreement
};

// A raw staging -> device copy of the same bytes in the same run (timer query, else wall
// clock): the floor for any frame that starts in host memory.
struct FloorResult {
  double us = kNa;
};

// Round trip / floor and in slot / floor.
struct Ratios {
  double roundtrip_over_floor = kNa, in_slot_over_floor = kNa;
};

// The GPU-made scene (core/scene on the GPU, animated) + its decode, per frame.
struct SceneResult {
  double us = kNa;
};

// The CPU engine on the host frame.
struct CpuResult {
  double us = kNa;
  std::vector<Keypoint> keypoints;
};

// Every figure of one case (a frame size and type).
struct CaseResult {
  std::string name;
  double bytes = 0;  // the frame's size in host memory
  CpuResult cpu;
  RoundTripResult round_trip;
  StreamedResult streamed;
  InSlotResult in_slot;
  KernelResult kernel;
  FloorResult floor;
  Ratios ratios;
  SceneResult scene;
  double gpu_vs_cpu_max_px = kNa;  // round trip and in slot against the CPU engine
  std::string note;                // why the GPU figures stopped (empty: they did not)
};

// The decoding lab on one case's frame, on the GPU and the CPU engine (wall clock).
struct LabTiming {
  double gpu_us = kNa, cpu_us = kNa;
};
struct LabResult {
  std::string name;
  LabTiming grid;     // the beta grid: 25 betas x all channels + debiased, one submission
  LabTiming windows;  // quarter, dark, dark-udp, window, centroid, mediapipe: one window read
  double gpu_vs_cpu_max_px = kNa;  // over the grid and the decoders
  std::string note;
};

// A whole run: where it ran, then one CaseResult and one LabResult per case.
struct BenchReport {
  std::string device;  // the GL engine's description, "none" without one
  double beta = 0;
  std::string cpu_target;  // the CPU engine's SIMD target
  int cpu_threads = 0;
  bool timer_queries = false;  // false: kernel figures are n/a (no GPU, software rasteriser)
  std::vector<CaseResult> cases;
  std::vector<LabResult> lab;
};

}  // namespace peakscope::bench
