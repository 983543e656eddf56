// The accuracy study of the decoding lab: every decoder on synthetic Gaussian maps with known
// sub-pixel centres, per (size, sigma, noise) cell; soft-argmax and window at several betas,
// soft-argmax also at its auto-tuned beta (tuned on a separate set of maps). What
// `peakscope-cli accuracy` (app/cli/accuracy.cpp) prints and what the Python package's
// peakscope.accuracy returns: one computation, so both give the same numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/decode.hpp"
#include "core/lab/autotune.hpp"
#include "core/lab/decoder.hpp"

namespace peakscope {

// One cell of the study: W x H maps of a Gaussian exp(-d^2 / (2 sigma^2)) (peak 1 at the
// sub-pixel centre) plus N(0, noise) per pixel, float32.
struct AccuracyCell {
  int width = 0, height = 0;
  double sigma = 0, noise = 0;
};

// One row of the study: a decoder, at a beta (0: it has none), or at the cell's auto-tuned beta.
struct AccuracyVariant {
  DecoderKind kind = DecoderKind::kArgmax;
  double beta = 0;
  bool auto_beta = false;
  std::string label() const;  // "softargmax b=50", "softargmax auto", "dark"
};

struct AccuracyStats {
  double mean = 0, p95 = 0;  // of the Euclidean error, pixels (p95: NumPy's linear percentile)
};

struct AccuracyStudy {
  long peaks = 10000;  // maps per cell
  std::vector<AccuracyCell> cells;
  std::vector<DecoderKind> decoders;
  std::vector<double> betas;           // softargmax and window
  std::vector<double> debiased_betas;  // debiased (may be empty)
  bool normalize = false;              // x / max(x) before beta
  double margin = 10;                  // centres uniform in [margin, W - 1 - margin] (and y)
  int tune_maps = 500;                 // maps of the auto-tune set (at most)
  std::uint64_t seed = 1;
  int threads = 0;  // 0: all hardware threads

  // Throws std::invalid_argument naming the value: peaks < 1, threads < 0, tune_maps < 1,
  // no cell, a cell whose margin leaves no room, sigma <= 0, noise < 0 or not finite, no
  // decoder, a beta outside the accepted range.
  void validate() const;
};

struct AccuracyResult {
  std::vector<AccuracyVariant> variants;
  std::vector<std::vector<AccuracyStats>> stats;  // [cell][variant], the cells done
  std::vector<BetaTune> tunes;                    // [cell]; beta 0 when no auto beta was asked
  std::size_t cells_done = 0;                     // all of them unless `stop` ended the study early
};

// The rows of a study: for softargmax and window one per beta (softargmax then its auto
// beta), for debiased one per debiased beta, one for every other decoder.
std::vector<AccuracyVariant> accuracy_variants(const AccuracyStudy& s);

// Runs the study (validated first) on a thread pool. Deterministic: one random stream per
// (seed, cell, peak), whatever the number of threads. `progress`, when set, is called with the
// number of maps done so far (from worker threads, one call at a time). `stop`, when set, is
// asked before each chunk of maps (from worker threads: it must be thread-safe, e.g. an atomic
// flag a signal handler sets); once it says true the study ends after the current cell's
// chunks and returns the cells completed before (cells_done, stats and tunes cut to them).
AccuracyResult run_accuracy_study(const AccuracyStudy& s,
                                  const std::function<void(long)>& progress = {},
                                  const std::function<bool()>& stop = {});

}  // namespace peakscope
