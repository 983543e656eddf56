#include "app/cli/accuracy.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "app/cli/decode_flags.hpp"
#include "app/cli/interrupt.hpp"
#include "app/cli/output.hpp"
#include "app/cli/progress.hpp"
#include "app/common/flags.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/cpu/thread_pool.hpp"
#include "core/lab/autotune.hpp"
#include "core/lab/coords.hpp"
#include "core/lab/decoder.hpp"

namespace peakscope::cli {
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

struct Cell {
  int width = 0, height = 0;
  double sigma = 0, noise = 0;
};

// A Gaussian exp(-d^2 / (2 sigma^2)) (peak 1 at the sub-pixel centre) plus N(0, noise) per
// pixel, float32; the centre drawn uniformly in [margin, W - 1 - margin] x [margin, H-1-margin].
void render(const Cell& c, double margin, Rng& rng, std::vector<float>& out, double& x0,
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

// ---------------------------------------------------------------------------------------
// The decoders under study
// ---------------------------------------------------------------------------------------

struct Variant {
  DecoderKind kind;
  double beta = 0;  // 0: the decoder has no beta
  bool auto_beta = false;
  std::string label() const {
    std::string s = decoder_name(kind);
    if (auto_beta) return s + " auto";
    if (beta > 0) {
      char b[32];
      std::snprintf(b, sizeof b, " b=%g", beta);
      s += b;
    }
    return s;
  }
};

struct Stats {
  double mean = 0, p95 = 0;
};

Stats summarise(std::vector<double> e) {
  Stats s;
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

std::vector<double> parse_list(const std::vector<std::string>& items, const char* flag,
                               bool positive) {
  std::vector<double> out;
  for (const std::string& item : items) {
    if (item.empty()) continue;  // --sigmas "" is an empty list
    double v = 0;
    std::size_t used = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || !std::isfinite(v) || v < 0 || (positive && v == 0))
      throw UsageError(std::string(flag) + ": '" + item + "' is not a " +
                       (positive ? "positive" : "non-negative") + " number");
    out.push_back(v);
  }
  if (out.empty()) throw UsageError(std::string(flag) + ": empty list");
  return out;
}

nlohmann::ordered_json to_json(const AccuracyArgs& a, const std::vector<Cell>& cells,
                               const std::vector<Variant>& vars,
                               const std::vector<std::vector<Stats>>& stats,
                               const std::vector<BetaTune>& tunes) {
  nlohmann::ordered_json j;
  j["command"] = "accuracy";
  j["peaks_per_cell"] = a.peaks;
  j["seed"] = a.seed;
  j["normalize"] = a.normalize;
  j["margin"] = a.margin;
  j["coords"] = "index";
  j["cells"] = nlohmann::ordered_json::array();
  for (std::size_t c = 0; c < cells.size(); ++c) {
    nlohmann::ordered_json cj;
    cj["width"] = cells[c].width;
    cj["height"] = cells[c].height;
    cj["sigma"] = cells[c].sigma;
    cj["noise"] = cells[c].noise;
    if (tunes[c].beta > 0) {
      cj["auto_beta"] = tunes[c].beta;
      cj["auto_beta_tune_error"] = tunes[c].error;
    }
    cj["decoders"] = nlohmann::ordered_json::array();
    for (std::size_t v = 0; v < vars.size(); ++v) {
      nlohmann::ordered_json d;
      d["decoder"] = decoder_name(vars[v].kind);
      if (vars[v].auto_beta)
        d["beta"] = tunes[c].beta, d["auto_beta"] = true;
      else if (vars[v].beta > 0)
        d["beta"] = vars[v].beta;
      d["mean"] = stats[c][v].mean;
      d["p95"] = stats[c][v].p95;
      cj["decoders"].push_back(std::move(d));
    }
    j["cells"].push_back(std::move(cj));
  }
  return j;
}

void print_table(std::ostream& out, const AccuracyArgs& a, const std::vector<Cell>& cells,
                 const std::vector<Variant>& vars, const std::vector<std::vector<Stats>>& stats,
                 const std::vector<BetaTune>& tunes) {
  char buf[96];
  std::size_t c0 = 0;
  while (c0 < cells.size()) {
    std::size_t c1 = c0;
    while (c1 < cells.size() && cells[c1].width == cells[c0].width &&
           cells[c1].height == cells[c0].height)
      ++c1;
    out << "\n"
        << cells[c0].width << "x" << cells[c0].height << " (W x H), " << a.peaks
        << " peaks per cell, normalize " << a.normalize
        << ": mean / 95th-percentile error, pixels\n";
    std::snprintf(buf, sizeof buf, "| %-22s |", "decoder");
    out << buf;
    for (std::size_t c = c0; c < c1; ++c) {
      std::snprintf(buf, sizeof buf, " sigma %g, noise %g |", cells[c].sigma, cells[c].noise);
      out << buf;
    }
    out << "\n|---|";
    for (std::size_t c = c0; c < c1; ++c) out << "---|";
    out << "\n";
    for (std::size_t v = 0; v < vars.size(); ++v) {
      std::snprintf(buf, sizeof buf, "| %-22s |", vars[v].label().c_str());
      out << buf;
      for (std::size_t c = c0; c < c1; ++c) {
        std::snprintf(buf, sizeof buf, " %.3g / %.3g |", stats[c][v].mean, stats[c][v].p95);
        out << buf;
      }
      out << "\n";
      if (vars[v].auto_beta) {
        std::snprintf(buf, sizeof buf, "| %-22s |", "(auto beta)");
        out << buf;
        for (std::size_t c = c0; c < c1; ++c) {
          std::snprintf(buf, sizeof buf, " %.3g |", tunes[c].beta);
          out << buf;
        }
        out << "\n";
      }
    }
    c0 = c1;
  }
}

}  // namespace

CLI::App* add_accuracy_command(CLI::App& app, AccuracyArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "accuracy", "every decoder on synthetic maps with known sub-pixel centres: error table");
  cmd->add_option("--peaks", a.peaks, "peaks (maps) per cell")->capture_default_str();
  using common::add_list_option;
  add_list_option(*cmd, "--sizes", a.sizes, "map sizes, WxH,...")->capture_default_str();
  add_list_option(*cmd, "--sigmas", a.sigmas, "Gaussian sigmas in pixels")->capture_default_str();
  add_list_option(*cmd, "--noises", a.noises, "std. dev. of the added Gaussian noise")
      ->capture_default_str();
  add_list_option(*cmd, "--betas", a.betas, "betas of softargmax and window")
      ->capture_default_str();
  add_list_option(*cmd, "--debiased-betas", a.debiased_betas, "betas of debiased")
      ->capture_default_str();
  cmd->add_option("--decoders", a.decoders, "decoders to study (comma-separated, or all)")
      ->capture_default_str();
  cmd->add_option("--normalize", a.normalize, "none: the map as is | max")
      ->check(common::parsed_by(common::parse_normalize))
      ->capture_default_str();
  cmd->add_option("--margin", a.margin, "centres at least this far from the border, px")
      ->capture_default_str();
  cmd->add_option("--tune-maps", a.tune_maps, "maps of the separate auto-tune set (at most)")
      ->capture_default_str();
  cmd->add_option("--seed", a.seed, "random seed")->capture_default_str();
  cmd->add_option("--threads", a.threads, "worker threads (0: all)")->capture_default_str();
  cmd->add_option("--format", a.format, "table | json (stdout)")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  cmd->add_option("--json", a.json, "also write the JSON to this file");
  return cmd;
}

int run_accuracy(const AccuracyArgs& a) {
  if (a.peaks < 1) throw UsageError("--peaks must be >= 1, got " + std::to_string(a.peaks));
  if (a.threads < 0)
    throw UsageError("--threads must be >= 0 (0: all hardware threads), got " +
                     std::to_string(a.threads));
  if (a.tune_maps < 1)
    throw UsageError("--tune-maps must be >= 1, got " + std::to_string(a.tune_maps));
  std::vector<DecoderKind> kinds;
  try {
    kinds = parse_decoder_list(a.decoders);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--decoders: ") + e.what());
  }
  // Repeated values are studied once (a note says so): the table has one row or column each.
  const std::vector<double> betas = merge_duplicate_betas(parse_betas(a.betas), "--betas");
  const std::vector<double> dbetas = merge_duplicate_betas(
      parse_betas(a.debiased_betas, "--debiased-betas", /*empty_ok=*/true), "--debiased-betas");
  const std::vector<double> sigmas =
      merge_duplicate_betas(parse_list(a.sigmas, "--sigmas", true), "--sigmas");
  const std::vector<double> noises =
      merge_duplicate_betas(parse_list(a.noises, "--noises", false), "--noises");
  std::vector<Cell> cells;
  {
    std::vector<std::pair<int, int>> seen;
    for (const std::string& item : a.sizes) {
      if (item.empty()) continue;  // --sizes "" is an empty list
      int w = 0, h = 0;
      try {
        parse_input_size(item, w, h);
      } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--sizes: ") + e.what());
      }
      if (std::find(seen.begin(), seen.end(), std::make_pair(w, h)) != seen.end()) {
        std::cerr << "peakscope-cli: --sizes: " << item << " given more than once, used once\n";
        continue;
      }
      seen.emplace_back(w, h);
      // Centres are drawn in [margin, W - 1 - margin]: the margin is >= 0 and below
      // (min(W, H) - 1) / 2.
      const double limit = (std::min(w, h) - 1) / 2.0;
      if (!(a.margin >= 0) || !(a.margin < limit)) {
        char msg[200];
        std::snprintf(msg, sizeof msg,
                      "--margin must be >= 0 and below %g for --sizes %s (centres at least "
                      "that far from the border), got %g",
                      limit, item.c_str(), a.margin);
        throw UsageError(msg);
      }
      for (double s : sigmas)
        for (double n : noises) cells.push_back({w, h, s, n});
    }
    if (cells.empty()) throw UsageError("--sizes: empty list");
  }
  const bool normalize = common::parse_normalize(a.normalize);

  std::vector<Variant> vars;
  for (DecoderKind k : kinds) {
    if (k == DecoderKind::kSoftargmax || k == DecoderKind::kWindow) {
      for (double b : betas) vars.push_back({k, b, false});
      if (k == DecoderKind::kSoftargmax) vars.push_back({k, 0, true});
    } else if (k == DecoderKind::kDebiased) {
      for (double b : dbetas) vars.push_back({k, b, false});
    } else {
      vars.push_back({k, 0, false});
    }
  }
  const bool want_auto =
      std::any_of(vars.begin(), vars.end(), [](const Variant& v) { return v.auto_beta; });

  InterruptGuard guard;  // a signal ends the study between chunks of maps (exit 128 + N)
  ThreadPool pool(a.threads);
  CpuEngine tune_engine(a.threads);
  std::vector<std::vector<Stats>> stats(cells.size());
  std::vector<BetaTune> tunes(cells.size());
  Progress progress(static_cast<long>(cells.size()) * a.peaks);
  std::atomic<long> done{0};
  for (std::size_t ci = 0; ci < cells.size(); ++ci) {
    const Cell& cell = cells[ci];
    const std::size_t pixels = static_cast<std::size_t>(cell.width) * cell.height;
    // The auto-tune runs on its own maps (another random stream), never on the ones scored.
    if (want_auto) {
      const long n_tune = std::max<long>(
          1, std::min<long>({a.peaks, a.tune_maps, static_cast<long>((1u << 24) / pixels)}));
      std::vector<std::vector<float>> maps(n_tune);
      std::vector<TuneSample> samples(n_tune);
      for (long i = 0; i < n_tune; ++i) {
        Rng rng = stream(a.seed, 1000 + ci, static_cast<std::uint64_t>(i));
        double x0 = 0, y0 = 0;
        render(cell, a.margin, rng, maps[i], x0, y0);
        samples[i] = {HeatmapView::dense(maps[i].data(), cell.width, cell.height), 0, x0, y0};
      }
      tunes[ci] = auto_tune_beta(tune_engine, samples, normalize);
    }
    std::vector<std::vector<double>> err(vars.size(), std::vector<double>(a.peaks));
    const long chunk = 64;
    const long chunks = (a.peaks + chunk - 1) / chunk;
    std::mutex progress_mu;
    pool.parallel_for(static_cast<std::size_t>(chunks), [&](std::size_t ch) {
      if (InterruptGuard::signal()) return;
      CpuEngine eng(1);
      std::vector<float> map;
      DecoderParams params;
      const long i0 = static_cast<long>(ch) * chunk, i1 = std::min(a.peaks, i0 + chunk);
      for (long i = i0; i < i1; ++i) {
        Rng rng = stream(a.seed, ci, static_cast<std::uint64_t>(i));
        double x0 = 0, y0 = 0;
        render(cell, a.margin, rng, map, x0, y0);
        const HeatmapView view = HeatmapView::dense(map.data(), cell.width, cell.height);
        auto kp_at = [&](double beta) {
          Keypoint k;
          eng.decode(view, {beta, normalize}, std::span<Keypoint>(&k, 1));
          return k;
        };
        const Keypoint base = kp_at(kDefaultBeta);  // its argmax starts the refinements
        for (std::size_t v = 0; v < vars.size(); ++v) {
          const Variant& var = vars[v];
          const double beta = var.auto_beta ? tunes[ci].beta : var.beta;
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
      std::lock_guard<std::mutex> lock(progress_mu);
      progress.update(d);
    });
    if (const int sig = InterruptGuard::signal()) {
      progress.finish();
      const std::string error = std::string("interrupted by ") + signal_name(sig) + " after " +
                                std::to_string(ci) + " of " + std::to_string(cells.size()) +
                                " cell(s)";
      if (a.format == "json")  // stdout still gets a JSON document, saying why it is short
        std::cout << nlohmann::ordered_json{{"command", "accuracy"}, {"error", error}}.dump(2)
                  << "\n"
                  << std::flush;
      std::cerr << "peakscope-cli: " << error
                << (a.json.empty() ? "" : " (" + a.json + " left unchanged)") << "\n";
      return 128 + sig;
    }
    for (std::size_t v = 0; v < vars.size(); ++v) stats[ci].push_back(summarise(err[v]));
  }
  progress.finish();

  const nlohmann::ordered_json j = to_json(a, cells, vars, stats, tunes);
  if (!a.json.empty()) {
    Output file(a.json);
    file.stream() << j.dump(2) << "\n";
    file.commit();
  }
  if (a.format == "json")
    std::cout << j.dump(2) << "\n";
  else
    print_table(std::cout, a, cells, vars, stats, tunes);
  std::cout.flush();
  return kExitOk;
}

}  // namespace peakscope::cli
