#include "app/cli/sweep.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "app/cli/auto_beta.hpp"
#include "app/cli/csv.hpp"
#include "app/cli/interrupt.hpp"
#include "app/cli/output.hpp"
#include "app/cli/run_loop.hpp"
#include "core/engine/select_engine.hpp"
#include "core/io/colormap.hpp"
#include "core/io/output_file.hpp"
#include "core/io/sheets.hpp"

namespace peakscope::cli {

namespace {

// One frame: a CSV row per channel and beta, a sheet per beta and the beta grid. Returns the
// number of PNGs written.
long sweep_frame(const SweepArgs& a, const std::vector<double>& betas, const io::Frame& f,
                 Engine& engine, CpuEngine& cpu, io::Colormap cmap,
                 const std::filesystem::path& dir, std::ostream& csv) {
  const bool normalize = a.flags.normalize_on(a.src);
  const HeatmapView map = f.heatmap.view();
  if (a.channel < 0 || a.channel >= map.channels)
    throw UsageError("--channel " + std::to_string(a.channel) + " out of range: the input has " +
                     std::to_string(map.channels) + " channel(s), 0 to " +
                     std::to_string(map.channels - 1));
  char name[96];
  // Model outputs: the footer names the model; panels keep the frame's aspect.
  std::string label = "frame " + std::to_string(f.index);
  if (!a.src.model.empty())
    label += "  model " + std::filesystem::path(a.src.model).filename().string();
  std::vector<float> p(map.pixels());
  std::vector<cv::Mat> rows;  // the per-beta sheets, stacked into the beta grid below
  for (double beta : betas) {
    const DecodeOptions opt{beta, normalize};
    const std::vector<Keypoint> kps = engine.decode(map, opt).keypoints();
    for (std::size_t c = 0; c < kps.size(); ++c) {
      const Keypoint& k = kps[c];
      const double e = io::ground_truth_error(f, static_cast<int>(c), k);
      csv << f.index << ',' << c << ',' << csv_num(beta) << ',' << csv_num(k.argmax_x) << ','
          << csv_num(k.argmax_y) << ',' << csv_num(k.soft_x) << ',' << csv_num(k.soft_y) << ','
          << csv_num(k.peak_probability) << ',' << (e >= 0 ? csv_num(e) : std::string()) << '\n';
    }
    const Keypoint k = cpu.softmax_map(map, a.channel, opt, p.data());
    std::snprintf(name, sizeof name, "frame%05ld_beta%g.png", f.index, beta);
    io::SeedPanels panels = io::make_seed_panels(map, a.channel, k, p, cmap);
    if (f.image_scale_y > 0) panels.pixel_aspect = f.image_scale_x / f.image_scale_y;
    rows.push_back(io::compose_sheet(panels, io::sheet_footer(beta, normalize, k, label)));
    io::write_png((dir / name).string(), rows.back());
  }
  // Same rows as io::compose_beta_grid, without decoding every beta a second time.
  cv::Mat grid;
  cv::vconcat(rows, grid);
  std::snprintf(name, sizeof name, "frame%05ld_grid.png", f.index);
  io::write_png((dir / name).string(), grid);
  return static_cast<long>(betas.size()) + 1;
}

// Two betas whose sheets would have one file name (the name keeps 6 significant digits):
// refused, since one sheet would overwrite the other.
void check_sheet_names(const std::vector<double>& betas) {
  std::map<std::string, double> names;
  char name[64];
  for (double b : betas) {
    std::snprintf(name, sizeof name, "beta%g", b);
    const auto [it, fresh] = names.emplace(name, b);
    if (!fresh) {
      char both[96];
      std::snprintf(both, sizeof both, "%.17g and %.17g", it->second, b);
      throw UsageError(std::string("--betas: ") + both + " would share the sheet name frameNNNNN_" +
                       name + ".png; give betas that differ in their first 6 digits");
    }
  }
}

}  // namespace

CLI::App* add_sweep_command(CLI::App& app, SweepArgs& a) {
  CLI::App* cmd = app.add_subcommand("sweep", "comparison sheets and a CSV over several betas");
  cmd->add_option(
         "input", a.input,
         "synthetic, camera:N, a video, an image, a folder or glob of images, or a .npy stack")
      ->required();
  common::add_source_options(*cmd, a.src);
  common::add_synthetic_options(*cmd, a.src);
  add_decode_flags(*cmd, a.flags, /*with_beta=*/false);
  common::add_list_option(*cmd, "--betas", a.betas, "comma-separated betas")->capture_default_str();
  cmd->add_option("--out", a.out_dir,
                  "output folder, written whole or not at all (built beside it, then renamed)")
      ->required();
  cmd->add_flag("--overwrite", a.overwrite,
                "replace a folder that is not empty (its old files go when the sweep completes)");
  cmd->add_option("--channel", a.channel, "channel drawn on the sheets")->capture_default_str();
  add_max_frames_option(*cmd, a.max_frames);
  cmd->add_option("--colormap", a.colormap, "jet | viridis | turbo | inferno | gray")
      ->check(common::parsed_by(io::parse_colormap))
      ->capture_default_str();
  cmd->add_flag("--allow-truncated", a.allow_truncated,
                "exit 0 when a video ends before the frame count its header declares");
  cmd->add_flag("--auto-beta", a.auto_beta,
                "also sweep the beta minimising the mean soft-argmax error to ground truth");
  return cmd;
}

int run_sweep(const SweepArgs& a) {
  std::vector<double> betas = merge_duplicate_betas(parse_betas(a.betas), "--betas");
  if (a.out_dir.empty()) throw UsageError("sweep needs --out DIR");
  const long entries = io::folder_entries(a.out_dir);
  if (entries < 0) throw UsageError("--out " + a.out_dir + ": exists and is not a folder");
  if (entries > 0 && !a.overwrite)
    throw UsageError("--out " + a.out_dir + ": the folder is not empty (" +
                     std::to_string(entries) +
                     " entries); --overwrite replaces its contents with this sweep's");
  const io::Colormap cmap = io::parse_colormap(a.colormap);
  InterruptGuard guard;  // before any temporary file exists, so a signal cannot orphan one
  // Everything goes into a folder beside --out, put in its place only when the sweep is
  // complete: an interrupted or failed sweep leaves the old folder as it was.
  io::OutputDir out(a.out_dir);
  namespace fs = std::filesystem;
  const fs::path dir(out.staging());
  if (a.auto_beta) {
    const double b =
        find_auto_beta(a.input, a.src, a.flags.normalize_on(a.src), a.max_frames, dir.string());
    if (const int sig = InterruptGuard::signal()) {
      std::cerr << "peakscope-cli: interrupted by " << signal_name(sig) << " (" << a.out_dir
                << " left unchanged)\n";
      return 128 + sig;
    }
    if (std::find(betas.begin(), betas.end(), b) == betas.end()) betas.push_back(b);
    std::sort(betas.begin(), betas.end());
  }
  check_sheet_names(betas);
  std::unique_ptr<io::Source> src = open_input(a.input, a.src);
  const std::unique_ptr<Engine> engine = choose_engine(a.flags).engine;
  CpuEngine cpu;
  Output csv_out((dir / "sweep.csv").string());
  std::ostream& csv = csv_out.stream();
  csv << "frame,channel,beta,argmax_x,argmax_y,softargmax_x,softargmax_y,peak_probability,error_to_"
         "ground_truth\n";
  const long total =
      a.max_frames >= 0
          ? std::min(a.max_frames, src->frame_count() < 0 ? a.max_frames : src->frame_count())
          : src->frame_count();
  long sheets = 0;
  const RunOutcome run = run_frames(a.input, *src, a.max_frames, total, a.allow_truncated, [&] {
    std::optional<io::Frame> f = src->next();
    if (!f) return false;
    sheets += sweep_frame(a, betas, *f, *engine, cpu, cmap, dir, csv);
    return true;
  });
  const std::string& stopped = run.stopped;
  const int code = run.code;
  const long n = run.frames;
  if (code != kExitOk) {
    csv_out.discard();
    out.discard();
    std::cerr << "peakscope-cli: " << run.error << " (nothing written: " << a.out_dir
              << " left unchanged)\n";
    return code;
  }
  csv_out.commit();
  out.commit();
  if (const std::string w = src->warning(); !w.empty()) std::cerr << "peakscope-cli: " << w << "\n";
  if (!stopped.empty()) std::cerr << "peakscope-cli: " << a.input << ": " << stopped << "\n";
  std::cerr << "peakscope-cli: " << n << " frame(s), " << betas.size() << " beta(s): " << sheets
            << " sheets and sweep.csv in " << a.out_dir << "\n";
  return kExitOk;
}

}  // namespace peakscope::cli
