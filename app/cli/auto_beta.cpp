#include "app/cli/auto_beta.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/csv.hpp"
#include "app/cli/interrupt.hpp"
#include "app/cli/json_number.hpp"
#include "app/cli/output.hpp"
#include "app/common/flags.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/lab/autotune.hpp"

namespace peakscope::cli {

TuneSet collect_tune_samples(io::Source& source, bool normalize, long max_frames) {
  CpuEngine engine;
  TuneSet t;
  std::vector<std::size_t> owner;  // per sample, its map's index (views are set at the end)
  while ((max_frames < 0 || t.frames_read < max_frames) && !InterruptGuard::signal()) {
    std::optional<io::Frame> f = source.next();
    if (!f) break;
    ++t.frames_read;
    const HeatmapView view = f->heatmap.view();
    std::vector<Keypoint> kps(static_cast<std::size_t>(view.channels));
    engine.decode(view, {kDefaultBeta, normalize}, kps);
    bool used = false;
    for (int c = 0; c < view.channels && c < static_cast<int>(f->ground_truth.size()); ++c) {
      if (f->ground_truth[c].empty() || !kps[c].valid) continue;
      const io::Point2* best = nullptr;
      double bd = 1e300;
      for (const io::Point2& p : f->ground_truth[c]) {
        const double d = std::hypot(p.x - kps[c].argmax_x, p.y - kps[c].argmax_y);
        if (d < bd) bd = d, best = &p;
      }
      t.samples.push_back({HeatmapView{}, c, best->x, best->y});
      owner.push_back(t.maps.size());
      used = true;
    }
    if (used) t.maps.push_back(std::move(f->heatmap));
  }
  for (std::size_t i = 0; i < t.samples.size(); ++i) t.samples[i].map = t.maps[owner[i]].view();
  return t;
}

double find_auto_beta(const std::string& input, const common::SourceArgs& src, bool normalize,
                      long max_frames, const std::string& out_dir) {
  std::unique_ptr<io::Source> source = open_input(input, src);
  const TuneSet set = collect_tune_samples(*source, normalize, max_frames);
  const long read = set.frames_read;
  const std::vector<Heatmap>& maps = set.maps;
  const std::vector<TuneSample>& samples = set.samples;
  if (InterruptGuard::signal()) return 0;  // the caller reports the signal
  if (samples.empty())
    throw std::runtime_error(input + ": auto-beta needs ground truth: none of the " +
                             std::to_string(read) +
                             " frame(s) read has any (the synthetic scene brings its own; give "
                             "real data's with --ground-truth FILE)");
  CpuEngine engine;
  const BetaTune t = auto_tune_beta(engine, samples, normalize);
  std::string few;  // a beta fitted to a handful of points: said on stderr and in the JSON
  if (samples.size() < kAutoBetaFewKeypoints)
    few = "auto-beta tuned on only " + std::to_string(samples.size()) +
          " keypoint(s) with ground truth (in " + std::to_string(maps.size()) +
          " frame(s)); a beta fitted to fewer than " + std::to_string(kAutoBetaFewKeypoints) +
          " may not hold for other frames: give more frames (--max-frames) or ground truth";
  namespace fs = std::filesystem;
  Output csv((fs::path(out_dir) / "auto_beta.csv").string());
  csv.stream() << "beta,mean_error\n";
  for (const auto& [b, e] : t.curve) csv.stream() << csv_num(b) << "," << csv_num(e) << "\n";
  nlohmann::ordered_json j = {{"beta", json_num(t.beta)},
                              {"mean_error", json_num(t.error)},
                              {"samples", samples.size()},
                              {"frames", maps.size()},
                              {"normalize", common::normalize_name(normalize)}};
  if (!few.empty()) j["warning"] = few;
  Output js((fs::path(out_dir) / "auto_beta.json").string());
  js.stream() << j.dump(2) << "\n";
  csv.commit();
  js.commit();
  if (!few.empty()) std::cerr << "peakscope-cli: warning: " << few << "\n";
  std::cerr << "peakscope-cli: auto beta " << t.beta << " (mean soft-argmax error " << t.error
            << " px over " << samples.size() << " keypoint(s) in " << maps.size() << " frame(s))\n";
  return t.beta;
}

}  // namespace peakscope::cli
