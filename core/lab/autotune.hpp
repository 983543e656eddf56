// Beta auto-tune: the beta that minimises the mean soft-argmax error to ground truth over a
// set of frames, searched in log beta.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "core/cpu/cpu_engine.hpp"
#include "core/decode.hpp"
#include "core/heatmap.hpp"

namespace peakscope {

struct BetaTune {
  double beta = 0;   // the optimum found
  double error = 0;  // the objective there
  // The coarse curve (beta, objective), increasing beta, for plots.
  std::vector<std::pair<double, double>> curve;
};

// Minimises objective(beta) over [lo, hi] (kBetaMin <= lo < hi <= kBetaMax): `grid` betas
// spaced evenly in log beta, then a golden-section search in log beta between the neighbours
// of the best grid point, to a relative width of `rel_tol`. Non-finite objective values count
// as +Inf. Finds the global minimum when the objective is unimodal on the grid's resolution.
// Throws std::invalid_argument for a bad range or grid < 3.
BetaTune tune_beta(const std::function<double(double)>& objective, double lo = kSliderBetaMin,
                   double hi = kSliderBetaMax, int grid = 41, double rel_tol = 1e-3);

// One ground-truth point: channel `channel` of `map` should decode to (x, y) (index pixels).
struct TuneSample {
  HeatmapView map;
  int channel = 0;
  double x = 0, y = 0;
};

// The mean Euclidean distance of the soft-argmax to the truth over `samples` at this beta
// (normalize as given), decoded by `engine`. Invalid channels count as their grid-centre answer.
double mean_softargmax_error(CpuEngine& engine, std::span<const TuneSample> samples, double beta,
                             bool normalize);

// tune_beta over mean_softargmax_error. Throws std::invalid_argument when samples is empty.
BetaTune auto_tune_beta(CpuEngine& engine, std::span<const TuneSample> samples, bool normalize,
                        double lo = kSliderBetaMin, double hi = kSliderBetaMax);

}  // namespace peakscope
