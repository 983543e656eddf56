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
#include "core/lab/decoder.hpp"

namespace peakscope::cli {

namespace {

// The sheets' settings, resolved once from the flags.
struct SheetSettings {
  io::SheetStyle style;
  std::string ext;  // ".png" or ".svg"
  std::vector<DecoderKind> decoders;
  io::SheetLayout layout = io::SheetLayout::kChannel;
};

// Channel c at one beta for the sheets, with the chosen decoders' points.
io::SheetChannel sheet_channel(const SheetSettings& ss, CpuEngine& cpu, const HeatmapView& map,
                               int c, const DecodeOptions& opt, const io::Frame& f) {
  io::SheetChannel ch = io::sheet_channel(cpu, map, c, opt, &f);
  if (ch.k.valid)
    for (DecoderKind d : ss.decoders) {
      const DecodedPoint pt = decode_with(d, map, c, ch.k, opt);
      ch.decoders.push_back({decoder_name(d), pt.x, pt.y, pt.valid});
    }
  return ch;
}

// One frame: a CSV row per channel and beta, a sheet per beta and the beta grid. Returns the
// number of sheets written.
long sweep_frame(const SweepArgs& a, const std::vector<double>& betas, const io::Frame& f,
                 Engine& engine, CpuEngine& cpu, const SheetSettings& ss,
                 const std::filesystem::path& dir, std::ostream& csv) {
  const bool normalize = a.flags.normalize_on(a.src);
  const HeatmapView map = f.heatmap.view();
  if (a.channel < 0 || a.channel >= map.channels)
    throw UsageError("--channel " + std::to_string(a.channel) + " out of range: the input has " +
                     std::to_string(map.channels) + " channel(s), 0 to " +
                     std::to_string(map.channels - 1));
  char name[96];
  // The title names the input, the model and the frame; panels keep the frame's aspect.
  std::string title = std::filesystem::path(a.input).filename().string();
  if (title.empty()) title = a.input;
  if (!a.src.model.empty())
    title += "  model " + std::filesystem::path(a.src.model).filename().string();
  else if (f.pose)
    title += "  model " + f.pose->name;
  title += "  frame " + std::to_string(f.index);
  io::SheetStyle style = ss.style;
  if (f.image_scale_y > 0) style.pixel_aspect = f.image_scale_x / f.image_scale_y;
  std::vector<io::SheetChannel> rows;  // channel --channel per beta: the beta grid
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
    io::SheetInput in;
    in.map = map;
    in.opt = opt;
    in.layout = ss.layout;
    rows.push_back(sheet_channel(ss, cpu, map, a.channel, opt, f));
    if (ss.layout == io::SheetLayout::kChannel) {
      in.channels.push_back(rows.back());
      in.title = title + "  channel " + std::to_string(a.channel) +
                 (rows.back().name.empty() ? "" : " (" + rows.back().name + ")");
    } else {
      for (int c = 0; c < map.channels; ++c)
        in.channels.push_back(sheet_channel(ss, cpu, map, c, opt, f));
      in.title = title + "  all channels";
    }
    std::snprintf(name, sizeof name, "frame%05ld_beta%g%s", f.index, beta, ss.ext.c_str());
    io::write_figure((dir / name).string(), io::sheet_figure(in, style));
  }
  const io::SheetChannel& ch = rows.front();
  std::snprintf(name, sizeof name, "frame%05ld_grid%s", f.index, ss.ext.c_str());
  io::write_figure((dir / name).string(),
                   io::beta_grid_figure(map, rows, betas, normalize,
                                        title + "  channel " + std::to_string(a.channel) +
                                            (ch.name.empty() ? "" : " (" + ch.name + ")"),
                                        style));
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
  cmd->add_option("--softmax-scale", a.softmax_scale,
                  "the sheets' softmax colour scale: log (as the viewer's default view) | linear")
      ->check(CLI::IsMember({"log", "linear"}))
      ->capture_default_str();
  cmd->add_option("--sheet-scale", a.sheet_scale,
                  "size factor of the sheets' panels, markers and text, in (0, 8] (2: for print)")
      ->check(CLI::Range(0.01, 8.0))
      ->capture_default_str();
  cmd->add_option("--sheet-format", a.sheet_format,
                  "png | svg (vector markers and text, the maps embedded as PNG)")
      ->check(CLI::IsMember({"png", "svg"}))
      ->capture_default_str();
  cmd->add_option("--decoders", a.decoders,
                  "decoders marked on the sheets beside argmax and soft-argmax: quarter,dark,"
                  "dark-udp,window,centroid,mediapipe,debiased or all");
  cmd->add_option("--all-channels", a.all_channels,
                  "per-beta sheets show every channel: grid (a tile each) | max (maximum over "
                  "channels); the beta grid stays on --channel")
      ->check(CLI::IsMember({"grid", "max"}));
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
  SheetSettings ss;
  ss.style.cmap = io::parse_colormap(a.colormap);
  ss.style.log_softmax = a.softmax_scale == "log";
  ss.style.scale = a.sheet_scale;
  ss.ext = "." + a.sheet_format;
  if (!a.decoders.empty()) {
    try {
      ss.decoders = parse_decoder_list(a.decoders);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--decoders: ") + e.what());
    }
  }
  if (a.all_channels == "grid") ss.layout = io::SheetLayout::kGrid;
  if (a.all_channels == "max") ss.layout = io::SheetLayout::kMax;
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
    sheets += sweep_frame(a, betas, *f, *engine, cpu, ss, dir, csv);
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
