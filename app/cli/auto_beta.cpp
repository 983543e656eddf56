#include "app/cli/auto_beta.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/interrupt.hpp"
#include "app/cli/output.hpp"
#include "app/common/flags.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/lab/autotune.hpp"

namespace peakscope::cli {

double find_auto_beta(const std::string& input, const common::SourceArgs& src, bool normalize,
                      long max_frames, const std::string& out_dir) {
  std::unique_ptr<io::Source> source = open_input(input, src);
  CpuEngine engine;
  std::vector<Heatmap> maps;
  std::vector<std::pair<std::size_t, TuneSample>> pending;  // (map index, sample)
  long read = 0;
  while ((max_frames < 0 || read < max_frames) && !InterruptGuard::signal()) {
    std::optional<io::Frame> f = source->next();
    if (!f) break;
    ++read;
    const HeatmapView view = f->heatmap.view();
    std::vector<Keypoint> kps(static_cast<std::size_t>(view.channels));
    engine.decode(view, {kDefaultBeta, normalize}, kps);
    bool used = false;
    for (int c = 0; c < view.channels && c < static_cast<int>(f->ground_truth.size()); ++c) {
      if (f->ground_truth[c].empty() || !kps[c].valid) continue;
      // The target: the ground-truth point nearest the argmax (as io::ground_truth_error).
      const io::Point2* best = nullptr;
      double bd = 1e300;
      for (const io::Point2& p : f->ground_truth[c]) {
        const double d = std::hypot(p.x - kps[c].argmax_x, p.y - kps[c].argmax_y);
        if (d < bd) bd = d, best = &p;
      }
      pending.push_back({maps.size(), {HeatmapView{}, c, best->x, best->y}});
      used = true;
    }
    if (used) maps.push_back(std::move(f->heatmap));
  }
  if (InterruptGuard::signal()) return 0;  // the caller reports the signal
  if (pending.empty())
    throw std::runtime_error(input + ": --auto-beta needs ground truth, and no frame has any");
  std::vector<TuneSample> samples;
  for (auto& [i, s] : pending) {
    s.map = maps[i].view();
    samples.push_back(s);
  }
  const BetaTune t = auto_tune_beta(engine, samples, normalize);
  namespace fs = std::filesystem;
  Output csv((fs::path(out_dir) / "auto_beta.csv").string());
  csv.stream() << "beta,mean_error\n";
  for (const auto& [b, e] : t.curve) csv.stream() << b << "," << e << "\n";
  nlohmann::ordered_json j = {{"beta", t.beta},
                              {"mean_error", t.error},
                              {"samples", samples.size()},
                              {"frames", maps.size()},
                              {"normalize", common::normalize_name(normalize)}};
  Output js((fs::path(out_dir) / "auto_beta.json").string());
  js.stream() << j.dump(2) << "\n";
  csv.commit();
  js.commit();
  std::cerr << "peakscope-cli: auto beta " << t.beta << " (mean soft-argmax error " << t.error
            << " px over " << samples.size() << " keypoint(s) in " << maps.size() << " frame(s))\n";
  return t.beta;
}

}  // namespace peakscope::cli
