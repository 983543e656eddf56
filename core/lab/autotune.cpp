#include "core/lab/autotune.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace peakscope {

BetaTune tune_beta(const std::function<double(double)>& objective, double lo, double hi, int grid,
                   double rel_tol) {
  validate_beta(lo);
  validate_beta(hi);
  if (!(lo < hi) || grid < 3)
    throw std::invalid_argument("beta search needs lo < hi and at least 3 grid points");
  auto f = [&](double t) {  // t = log(beta)
    const double v = objective(std::exp(t));
    return std::isfinite(v) ? v : std::numeric_limits<double>::infinity();
  };
  const double t0 = std::log(lo), t1 = std::log(hi);
  BetaTune out;
  int best = 0;
  std::vector<double> ts(grid), vs(grid);
  for (int i = 0; i < grid; ++i) {
    ts[i] = (i == grid - 1) ? t1 : t0 + (t1 - t0) * i / (grid - 1);
    vs[i] = f(ts[i]);
    out.curve.emplace_back(i == 0 ? lo : (i == grid - 1 ? hi : std::exp(ts[i])), vs[i]);
    if (vs[i] < vs[best]) best = i;
  }
  // Golden section on [t(best-1), t(best+1)].
  double a = ts[std::max(best - 1, 0)], b = ts[std::min(best + 1, grid - 1)];
  const double g = (std::sqrt(5.0) - 1) / 2;
  double c = b - g * (b - a), d = a + g * (b - a);
  double fc = f(c), fd = f(d);
  const double tol = std::log1p(rel_tol);
  while (b - a > tol) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  double t = fc <= fd ? c : d, v = std::min(fc, fd);
  if (vs[best] < v) {  // the grid point itself was better (flat or noisy objective)
    t = ts[best];
    v = vs[best];
  }
  out.beta = std::exp(t);
  out.error = v;
  return out;
}

double mean_softargmax_error(CpuEngine& engine, std::span<const TuneSample> samples, double beta,
                             bool normalize) {
  const DecodeOptions opt{beta, normalize};
  double sum = 0;
  for (const TuneSample& s : samples) {
    const std::vector<Keypoint> k = engine.decode(s.map.channel(s.channel), opt);
    sum += std::hypot(k[0].soft_x - s.x, k[0].soft_y - s.y);
  }
  return sum / static_cast<double>(samples.size());
}

BetaTune auto_tune_beta(CpuEngine& engine, std::span<const TuneSample> samples, bool normalize,
                        double lo, double hi) {
  if (samples.empty()) throw std::invalid_argument("beta auto-tune needs at least one frame");
  return tune_beta(
      [&](double beta) { return mean_softargmax_error(engine, samples, beta, normalize); }, lo, hi);
}

}  // namespace peakscope
