#include "core/lab/accuracy_study.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <span>
#include <stdexcept>

#include "core/cpu/cpu_engine.hpp"
#include "core/cpu/thread_pool.hpp"

namespace peakscope {
namespace {

// ---------------------------------------------------------------------------------------
// Synthetic maps
// ---------------------------------------------------------------------------------------

// splitmix64: one independent, reproducible stream per (seed, cell, peak), whatever the
// number of threads.
struct Rng {
  std::uint64_t s;
  bool has_spare = false;
  double spare = 0;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {                                        // Box-Muller, both values used
    if (has_spare) {
      has_spare = false;
      return spare;
    }
    const double u = 1.0 - uniform(), v = uniform();
    const double r = std::sqrt(-2 * std::log(u));
    spare = r * std::sin(2 * M_PI * v);
    has_spare = true;
    return r * std::cos(2 * M_PI * v);
  }
};

Rng stream(std::uint64_t seed, std::uint64_t cell, std::uint64_t peak) {
  Rng r{seed * 0x9E3779B97F4A7C15ull ^ (cell << 40) ^ peak};
  r.next();
  return r;
}

// The cell's map with its centre drawn uniformly in [margin, W - 1 - margin] x
// [margin, H - 1 - margin].
void render(const AccuracyCell& c, double margin, Rng& rng, std::vector<float>& out, double& x0,
            double& y0) {
  x0 = margin + rng.uniform() * (c.width - 1 - 2 * margin);
  y0 = margin + rng.uniform() * (c.height - 1 - 2 * margin);
  std::vector<double> gx(c.width), gy(c.height);
  const double k = 1 / (2 * c.sigma * c.sigma);
  for (int x = 0; x < c.width; ++x) gx[x] = std::exp(-(x - x0) * (x - x0) * k);
  for (int y = 0; y < c.height; ++y) gy[y] = std::exp(-(y - y0) * (y - y0) * k);
  out.resize(static_cast<std::size_t>(c.width) * c.height);
  for (int y = 0; y < c.height; ++y)
    for (int x = 0; x < c.width; ++x) {
      double v = gy[y] * gx[x];
      if (c.noise > 0) v += c.noise * rng.normal();
      out[static_cast<std::size_t>(y) * c.width + x] = static_cast<float>(v);
    }
}

AccuracyStats summarise(std::vector<double> e) {
  AccuracyStats s;
  double sum = 0;
  for (double v : e) sum += v;
  s.mean = sum / static_cast<double>(e.size());
  std::sort(e.begin(), e.end());
  const double pos = 0.95 * static_cast<double>(e.size() - 1);  // NumPy's linear percentile
  const std::size_t lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, e.size() - 1);
  s.p95 = e[lo] + (pos - static_cast<double>(lo)) * (e[hi] - e[lo]);
  return s;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

}  // namespace

std::string AccuracyVariant::label() const {
  std::string s = decoder_name(kind);
  if (auto_beta) return s + " auto";
  if (beta > 0) s += " b=" + num(beta);
  return s;
}

void AccuracyStudy::validate() const {
  if (peaks < 1) throw std::invalid_argument("peaks must be >= 1, got " + std::to_string(peaks));
  if (threads < 0) throw std::invalid_argument("threads must be >= 0, got " + num(threads));
  if (tune_maps < 1) throw std::invalid_argument("tune_maps must be >= 1, got " + num(tune_maps));
  if (decoders.empty()) throw std::invalid_argument("the decoder list is empty");
  if (cells.empty()) throw std::invalid_argument("the study has no map size");
  for (double b : betas) validate_beta(b);
  for (double b : debiased_betas) validate_beta(b);
  for (const AccuracyCell& c : cells) {
    const std::string size = std::to_string(c.width) + "x" + std::to_string(c.height);
    if (!(margin >= 0) || !(c.width - 1 - 2 * margin > 0) || !(c.height - 1 - 2 * margin > 0))
      throw std::invalid_argument("margin " + num(margin) + " leaves no room in " + size);
    if (!(c.sigma > 0) || !std::isfinite(c.sigma))
      throw std::invalid_argument("sigma must be a positive number, got " + num(c.sigma));
    if (!(c.noise >= 0) || !std::isfinite(c.noise))
      throw std::invalid_argument("noise must be a non-negative number, got " + num(c.noise));
  }
  const bool needs_beta = std::any_of(decoders.begin(), decoders.end(), [](DecoderKind k) {
    return k == DecoderKind::kSoftargmax || k == DecoderKind::kWindow;
  });
  if (needs_beta && betas.empty()) throw std::invalid_argument("no beta given");
}

std::vector<AccuracyVariant> accuracy_variants(const AccuracyStudy& s) {
  std::vector<AccuracyVariant> vars;
  for (DecoderKind k : s.decoders) {
    if (k == DecoderKind::kSoftargmax || k == DecoderKind::kWindow) {
      for (double b : s.betas) vars.push_back({k, b, false});
      if (k == DecoderKind::kSoftargmax) vars.push_back({k, 0, true});
    } else if (k == DecoderKind::kDebiased) {
      for (double b : s.debiased_betas) vars.push_back({k, b, false});
    } else {
      vars.push_back({k, 0, false});
    }
  }
  return vars;
}

AccuracyResult run_accuracy_study(const AccuracyStudy& s, const std::function<void(long)>& progress,
                                  const std::function<bool()>& stop) {
  s.validate();
  AccuracyResult r;
  r.variants = accuracy_variants(s);
  const std::vector<AccuracyVariant>& vars = r.variants;
  const bool want_auto =
      std::any_of(vars.begin(), vars.end(), [](const AccuracyVariant& v) { return v.auto_beta; });
  const bool normalize = s.normalize;

  ThreadPool pool(s.threads);
  CpuEngine tune_engine(s.threads);
  r.stats.resize(s.cells.size());
  r.tunes.resize(s.cells.size());
  std::atomic<long> done{0};
  std::mutex progress_mu;
  for (std::size_t ci = 0; ci < s.cells.size(); ++ci) {
    const AccuracyCell& cell = s.cells[ci];
    const std::size_t pixels = static_cast<std::size_t>(cell.width) * cell.height;
    // The auto-tune runs on its own maps (another random stream), never on the ones scored.
    if (want_auto) {
      const long n_tune = std::max<long>(
          1, std::min<long>({s.peaks, s.tune_maps, static_cast<long>((1u << 24) / pixels)}));
      std::vector<std::vector<float>> maps(n_tune);
      std::vector<TuneSample> samples(n_tune);
      for (long i = 0; i < n_tune; ++i) {
        Rng rng = stream(s.seed, 1000 + ci, static_cast<std::uint64_t>(i));
        double x0 = 0, y0 = 0;
        render(cell, s.margin, rng, maps[i], x0, y0);
        samples[i] = {HeatmapView::dense(maps[i].data(), cell.width, cell.height), 0, x0, y0};
      }
      r.tunes[ci] = auto_tune_beta(tune_engine, samples, normalize);
    }
    std::vector<std::vector<double>> err(vars.size(), std::vector<double>(s.peaks));
    const long chunk = 64;
    const long chunks = (s.peaks + chunk - 1) / chunk;
    std::atomic<bool> stopped{false};
    pool.parallel_for(static_cast<std::size_t>(chunks), [&](std::size_t ch) {
      if (stopped.load() || (stop && stop())) {
        stopped.store(true);
        return;
      }
      CpuEngine eng(1);
      std::vector<float> map;
      DecoderParams params;
      const long i0 = static_cast<long>(ch) * chunk, i1 = std::min(s.peaks, i0 + chunk);
      for (long i = i0; i < i1; ++i) {
        Rng rng = stream(s.seed, ci, static_cast<std::uint64_t>(i));
        double x0 = 0, y0 = 0;
        render(cell, s.margin, rng, map, x0, y0);
        const HeatmapView view = HeatmapView::dense(map.data(), cell.width, cell.height);
        auto kp_at = [&](double beta) {
          Keypoint k;
          eng.decode(view, {beta, normalize}, std::span<Keypoint>(&k, 1));
          return k;
        };
        const Keypoint base = kp_at(kDefaultBeta);  // its argmax starts the refinements
        for (std::size_t v = 0; v < vars.size(); ++v) {
          const AccuracyVariant& var = vars[v];
          const double beta = var.auto_beta ? r.tunes[ci].beta : var.beta;
          DecodedPoint p;
          if (var.kind == DecoderKind::kSoftargmax || var.kind == DecoderKind::kDebiased) {
            const Keypoint k = kp_at(beta);
            p = decode_with(var.kind, view, 0, k, {beta, normalize}, params);
          } else {
            params.window_beta = var.kind == DecoderKind::kWindow ? beta : kDefaultBeta;
            p = decode_with(var.kind, view, 0, base, {kDefaultBeta, normalize}, params);
          }
          err[v][i] = std::hypot(p.x - x0, p.y - y0);
        }
      }
      const long d = done.fetch_add(i1 - i0) + (i1 - i0);
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mu);
        progress(d);
      }
    });
    if (stopped.load()) {  // this cell is incomplete: report the ones before it
      r.stats.resize(ci);
      r.tunes.resize(ci);
      return r;
    }
    for (std::size_t v = 0; v < vars.size(); ++v) r.stats[ci].push_back(summarise(err[v]));
    r.cells_done = ci + 1;
  }
  return r;
}

}  // namespace peakscope
