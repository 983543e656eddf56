#include "app/cli/accuracy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "app/cli/decode_flags.hpp"
#include "app/cli/interrupt.hpp"
#include "app/cli/json_number.hpp"
#include "app/cli/output.hpp"
#include "app/cli/progress.hpp"
#include "app/common/flags.hpp"
#include "core/lab/accuracy_study.hpp"
#include "core/lab/autotune.hpp"
#include "core/lab/coords.hpp"
#include "core/lab/decoder.hpp"

namespace peakscope::cli {
namespace {

using Cell = AccuracyCell;
using Variant = AccuracyVariant;
using Stats = AccuracyStats;

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
  j["margin"] = json_num(a.margin);
  j["coords"] = "index";
  j["cells"] = nlohmann::ordered_json::array();
  for (std::size_t c = 0; c < cells.size(); ++c) {
    nlohmann::ordered_json cj;
    cj["width"] = cells[c].width;
    cj["height"] = cells[c].height;
    cj["sigma"] = json_num(cells[c].sigma);
    cj["noise"] = json_num(cells[c].noise);
    if (tunes[c].beta > 0) {
      cj["auto_beta"] = json_num(tunes[c].beta);
      cj["auto_beta_tune_error"] = json_num(tunes[c].error);
    }
    cj["decoders"] = nlohmann::ordered_json::array();
    for (std::size_t v = 0; v < vars.size(); ++v) {
      nlohmann::ordered_json d;
      d["decoder"] = decoder_name(vars[v].kind);
      if (vars[v].auto_beta)
        d["beta"] = json_num(tunes[c].beta), d["auto_beta"] = true;
      else if (vars[v].beta > 0)
        d["beta"] = json_num(vars[v].beta);
      d["mean"] = json_num(stats[c][v].mean);
      d["p95"] = json_num(stats[c][v].p95);
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
  cmd->add_option("--seed", a.seed, "random seed")
      ->check(common::parsed_by(common::parse_seed))
      ->capture_default_str();
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

  AccuracyStudy study;
  study.peaks = a.peaks;
  study.cells = cells;
  study.decoders = kinds;
  study.betas = betas;
  study.debiased_betas = dbetas;
  study.normalize = normalize;
  study.margin = a.margin;
  study.tune_maps = a.tune_maps;
  study.seed = a.seed;
  study.threads = a.threads;
  AccuracyResult result;
  {
    Progress progress(static_cast<long>(cells.size()) * a.peaks);
    // A signal ends the study between chunks of maps (exit 128 + N below).
    InterruptGuard guard;
    result = run_accuracy_study(
        study, [&](long done) { progress.update(done); },
        [] { return InterruptGuard::signal() != 0; });
    progress.finish();
  }
  if (const int sig = InterruptGuard::signal()) {
    const std::string error = std::string("interrupted by ") + signal_name(sig) + " after " +
                              std::to_string(result.cells_done) + " of " +
                              std::to_string(cells.size()) + " cell(s)";
    if (a.format == "json")  // stdout still gets a JSON document, saying why it is short
      std::cout << nlohmann::ordered_json{{"command", "accuracy"}, {"error", error}}.dump(2) << "\n"
                << std::flush;
    std::cerr << "peakscope-cli: " << error
              << (a.json.empty() ? "" : " (" + a.json + " left unchanged)") << "\n";
    return 128 + sig;
  }
  const std::vector<Variant>& vars = result.variants;
  const std::vector<std::vector<Stats>>& stats = result.stats;
  const std::vector<BetaTune>& tunes = result.tunes;

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
