#include "app/cli/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "app/cli/auto_beta.hpp"
#include "app/cli/csv.hpp"
#include "app/cli/interrupt.hpp"
#include "app/cli/json_number.hpp"
#include "app/cli/output.hpp"
#include "app/cli/run_loop.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/engine/select_engine.hpp"
#include "core/io/ground_truth_file.hpp"
#include "core/io/output_file.hpp"
#include "core/io/sheets.hpp"
#include "core/lab/autotune.hpp"
#include "core/lab/evaluation.hpp"
#include "core/lab/lab.hpp"

namespace peakscope::cli {
namespace {

using Json = nlohmann::ordered_json;

// Numbers in the CLI's one spelling (app/cli/json_number.hpp): NaN and +-Inf as strings.
Json num(double v) {
  return json_num(v);
}

// One row of the report: a decoder at a beta (or at each keypoint's tuned beta).
struct Method {
  DecoderKind decoder;
  double beta = 0;            // unused when per_keypoint
  bool per_keypoint = false;  // the betas tuned per keypoint
  std::string label;
};

std::string beta_text(double b) {
  char s[32];
  std::snprintf(s, sizeof s, "%g", b);
  return s;
}

// The labelled point of keypoint c nearest the channel's argmax (heatmap px), as
// io::ground_truth_error chooses it; its person and its position in image pixels.
struct Target {
  const io::GtPerson* person = nullptr;
  io::Point2 image;
};
std::optional<Target> target_of(const io::GroundTruthFile& gt, const io::GtEntry& e,
                                const io::Frame& f, int c, const Keypoint& k) {
  std::optional<Target> best;
  double bd = 1e300;
  for (const io::GtPerson& p : e.people) {
    if (c >= static_cast<int>(p.points.size()) || !p.points[c]) continue;
    const io::Point2 h = io::ground_truth_in_heatmap(gt, f, *p.points[c]);
    const double d = std::hypot(h.x - k.argmax_x, h.y - k.argmax_y);
    if (!best || d < bd) {
      bd = d;
      best = Target{&p, io::heatmap_to_image(f, h.x, h.y)};
    }
  }
  return best;
}

// A length in the file's space -> image pixels (heatmap-space files scale by the frame's
// image_scale).
double to_image_length(const io::GroundTruthFile& gt, const io::Frame& f, double w, double h) {
  if (gt.space == io::GtSpace::kHeatmap) {
    w *= f.image_scale_x;
    h *= f.image_scale_y;
  }
  return std::max(w, h);
}

// The PCK normaliser of a target in image pixels; 0 when the person has none.
double norm_of(const std::string& norm, const io::GroundTruthFile& gt, const io::Frame& f,
               const Target& t, int head_a, int head_b) {
  if (norm == "px") return 1;
  if (norm == "image") {
    if (!f.image.empty()) return std::max(f.image.cols, f.image.rows);
    const HeatmapView v = f.heatmap.view();
    return std::max(v.width * f.image_scale_x, v.height * f.image_scale_y);
  }
  if (norm == "bbox") {
    const io::Box b = io::person_box(*t.person);
    return b.w > 0 ? to_image_length(gt, f, b.w, b.h) : 0;
  }
  // head: the distance between the person's two head keypoints.
  const auto& pts = t.person->points;
  if (head_a >= static_cast<int>(pts.size()) || head_b >= static_cast<int>(pts.size()) ||
      !pts[head_a] || !pts[head_b])
    return 0;
  const io::Point2 a = io::heatmap_to_image(f, io::ground_truth_in_heatmap(gt, f, *pts[head_a]).x,
                                            io::ground_truth_in_heatmap(gt, f, *pts[head_a]).y);
  const io::Point2 b = io::heatmap_to_image(f, io::ground_truth_in_heatmap(gt, f, *pts[head_b]).x,
                                            io::ground_truth_in_heatmap(gt, f, *pts[head_b]).y);
  return std::hypot(a.x - b.x, a.y - b.y);
}

// The table sheet: a row per keypoint (and "all"), per method its mean error and PCK at the
// first threshold, each cell shaded by its PCK.
cv::Mat table_sheet(const std::vector<Method>& methods, const KeypointEvaluation& ev,
                    const std::vector<std::string>& names, const std::vector<double>& th,
                    const std::string& title, const std::string& norm) {
  const int name_w = 190, col_w = 190, row_h = 24, head_h = 76;
  const int k = ev.keypoints();
  const int w = name_w + col_w * static_cast<int>(methods.size()) + 10;
  const int h = head_h + row_h * (k + 1) + 40;
  cv::Mat img(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
  const auto font = cv::FONT_HERSHEY_SIMPLEX;
  const cv::Scalar ink(20, 20, 20), grey(110, 110, 110);
  cv::putText(img, title, {8, 22}, font, 0.55, ink, 1, cv::LINE_AA);
  const std::string pck_label =
      "PCK@" + beta_text(th.empty() ? 0 : th[0]) + (norm == "px" ? " px" : " x " + norm);
  cv::putText(img, "mean error (image px) | " + pck_label, {8, 44}, font, 0.45, grey, 1,
              cv::LINE_AA);
  for (std::size_t m = 0; m < methods.size(); ++m)
    cv::putText(img, methods[m].label, {name_w + col_w * static_cast<int>(m) + 6, head_h - 8}, font,
                0.45, ink, 1, cv::LINE_AA);
  cv::line(img, {4, head_h}, {w - 4, head_h}, ink, 1);
  for (int r = 0; r <= k; ++r) {
    const int kp = r < k ? r : -1;
    const int y = head_h + row_h * r;
    if (kp < 0) cv::line(img, {4, y}, {w - 4, y}, ink, 1);
    const std::string name = kp < 0 ? "all keypoints"
                             : kp < static_cast<int>(names.size())
                                 ? std::to_string(kp) + " " + names[kp]
                                 : std::to_string(kp);
    cv::putText(img, name, {8, y + row_h - 7}, font, 0.45, ink, 1, cv::LINE_AA);
    for (std::size_t m = 0; m < methods.size(); ++m) {
      const EvalStats s = ev.stats(static_cast<int>(m), kp, th);
      const int x = name_w + col_w * static_cast<int>(m);
      const double p = s.pck.empty() ? NAN : s.pck[0];
      if (std::isfinite(p))  // white (0) to green (1)
        cv::rectangle(img, {x + 1, y + 2}, {x + col_w - 2, y + row_h - 1},
                      cv::Scalar(255 - 150 * p, 255 - 40 * p, 255 - 150 * p), cv::FILLED);
      char cell[64];
      if (s.labelled == 0)
        std::snprintf(cell, sizeof cell, "-");
      else
        std::snprintf(cell, sizeof cell, "%.3g px | %.0f%%  (n=%ld)", s.mean, 100 * p, s.labelled);
      cv::putText(img, cell, {x + 6, y + row_h - 7}, font, 0.45, ink, 1, cv::LINE_AA);
    }
  }
  cv::putText(img, "cells shaded by " + pck_label + " (white 0%, green 100%)", {8, h - 14}, font,
              0.42, grey, 1, cv::LINE_AA);
  return img;
}

}  // namespace

CLI::App* add_evaluate_command(CLI::App& app, EvaluateArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "evaluate", "decoders against ground truth: per keypoint error and PCK (JSON, CSV, sheet)");
  cmd->add_option("input", a.input,
                  "a video, an image, a folder or glob of images, or a .npy stack (with "
                  "--ground-truth FILE)")
      ->required();
  common::add_source_options(*cmd, a.src);
  common::add_synthetic_options(*cmd, a.src);
  add_decode_flags(*cmd, a.flags, /*with_beta=*/true);
  add_lab_flags(*cmd, a.lab);
  common::add_list_option(*cmd, "--betas", a.betas, "comma-separated betas (instead of --beta)");
  common::add_list_option(*cmd, "--pck", a.pck,
                          "PCK thresholds, as fractions of --pck-norm (default 0.05,0.1) or "
                          "pixels with --pck-norm px (default 2,5)");
  cmd->add_option("--pck-norm", a.pck_norm,
                  "PCK normaliser: bbox (the person's box size), image (its larger side), head "
                  "(head_top-upper_neck or ear-ear distance), px, or auto (bbox for COCO, else px)")
      ->check(CLI::IsMember({"auto", "bbox", "image", "head", "px"}))
      ->capture_default_str();
  cmd->add_option("--out", a.out_dir, "report folder: evaluate.json, evaluate.csv, evaluate.png")
      ->required();
  cmd->add_flag("--overwrite", a.overwrite, "replace a folder that is not empty");
  add_max_frames_option(*cmd, a.max_frames);
  cmd->add_flag("--auto-beta", a.auto_beta,
                "also evaluate the beta minimising the mean soft-argmax error to the ground truth");
  cmd->add_flag("--per-keypoint", a.per_keypoint,
                "with --auto-beta: tune one beta per keypoint (a method 'DECODER@tuned')");
  cmd->add_flag("--allow-truncated", a.allow_truncated,
                "exit 0 when a video ends before the frame count its header declares");
  return cmd;
}

int run_evaluate(const EvaluateArgs& a) {
  if (a.src.ground_truth.empty()) throw UsageError("evaluate needs --ground-truth FILE");
  if (a.per_keypoint && !a.auto_beta) throw UsageError("--per-keypoint needs --auto-beta");
  std::vector<double> betas = a.betas.empty()
                                  ? std::vector<double>{a.flags.beta}
                                  : merge_duplicate_betas(parse_betas(a.betas), "--betas");
  const bool normalize = a.flags.normalize_on(a.src);
  LabFlags lf = a.lab;
  if (lf.decoders.empty()) lf.decoders = "argmax,softargmax";
  const Lab lab0 = resolve_lab(lf, betas[0]);
  if (lab0.coords.system != CoordSystem::kIndex)
    throw UsageError("evaluate measures errors in image pixels: --coords does not apply");
  // The file again, for its people and boxes (the source fills Frame::ground_truth).
  std::vector<std::string> names;
  if (!a.src.keypoints.empty()) {
    try {
      names = io::load_keypoint_set(a.src.keypoints).names;
    } catch (const std::runtime_error& e) {
      throw io::SourceError(e.what());
    }
  }
  const io::GroundTruthFile gt = io::read_ground_truth(
      a.src.ground_truth, io::parse_gt_space(a.src.ground_truth_space), names);
  std::string norm = a.pck_norm;
  if (norm == "auto") norm = gt.format == "coco" ? "bbox" : "px";
  std::vector<double> th;
  for (const std::string& t : a.pck.empty()
                                  ? (norm == "px" ? std::vector<std::string>{"2", "5"}
                                                  : std::vector<std::string>{"0.05", "0.1"})
                                  : a.pck) {
    double v = 0;
    try {
      std::size_t used = 0;
      v = std::stod(t, &used);
      if (used != t.size()) throw std::invalid_argument(t);
    } catch (const std::exception&) {
      v = NAN;
    }
    if (!(v > 0) || !std::isfinite(v))
      throw UsageError("--pck: '" + t + "' is not a threshold > 0");
    th.push_back(v);
  }
  const long entries = io::folder_entries(a.out_dir);
  if (entries < 0) throw UsageError("--out " + a.out_dir + ": exists and is not a folder");
  if (entries > 0 && !a.overwrite)
    throw UsageError("--out " + a.out_dir + ": the folder is not empty (" +
                     std::to_string(entries) + " entries); --overwrite replaces its contents");

  InterruptGuard guard;
  io::OutputDir out(a.out_dir);
  namespace fs = std::filesystem;
  const fs::path dir(out.staging());

  // --auto-beta: a first pass gathers each labelled channel (target: the point nearest the
  // argmax) and tunes the soft-argmax's beta on all of them, and with --per-keypoint on each
  // keypoint's own.
  std::vector<double> tuned;  // per keypoint
  Json tune_json;
  if (a.auto_beta) {
    std::unique_ptr<io::Source> src = open_input(a.input, a.src);
    CpuEngine cpu;
    const TuneSet set = collect_tune_samples(*src, normalize, a.max_frames);
    if (const int sig = InterruptGuard::signal()) {
      out.discard();
      std::cerr << "peakscope-cli: interrupted by " << signal_name(sig) << " (" << a.out_dir
                << " left unchanged)\n";
      return 128 + sig;
    }
    if (set.samples.empty())
      throw std::runtime_error(a.input + ": --auto-beta: no frame read has ground truth in " +
                               gt.path);
    const std::vector<TuneSample>& all = set.samples;
    int channels = 0;
    for (const TuneSample& s : all) channels = std::max(channels, s.map.channels);
    const BetaTune g = auto_tune_beta(cpu, all, normalize);
    tune_json = {{"beta", g.beta}, {"mean_error_heatmap_px", g.error}, {"samples", all.size()}};
    std::cerr << "peakscope-cli: auto beta " << g.beta << " (mean soft-argmax error " << g.error
              << " heatmap px over " << all.size() << " keypoint(s))\n";
    if (std::find(betas.begin(), betas.end(), g.beta) == betas.end()) betas.push_back(g.beta);
    if (a.per_keypoint) {
      Json per = Json::array();
      tuned.assign(channels, g.beta);
      for (int c = 0; c < channels; ++c) {
        std::vector<TuneSample> sc;
        for (const TuneSample& s : all)
          if (s.channel == c) sc.push_back(s);
        if (sc.empty()) {  // never labelled: the global beta
          per.push_back({{"keypoint", c}, {"beta", g.beta}, {"samples", 0}});
          continue;
        }
        const BetaTune t = auto_tune_beta(cpu, sc, normalize);
        tuned[c] = t.beta;
        per.push_back({{"keypoint", c},
                       {"beta", t.beta},
                       {"mean_error_heatmap_px", t.error},
                       {"samples", sc.size()}});
      }
      tune_json["per_keypoint"] = std::move(per);
    }
  }

  std::vector<Method> methods;
  for (DecoderKind d : lab0.decoders) {
    if (!decoder_uses_beta(d)) {
      methods.push_back({d, betas[0], false, decoder_name(d)});
      continue;
    }
    for (double b : betas)
      methods.push_back({d, b, false,
                         std::string(decoder_name(d)) +
                             (betas.size() > 1 || a.auto_beta ? "@" + beta_text(b) : "")});
    if (!tuned.empty()) methods.push_back({d, 0, true, std::string(decoder_name(d)) + "@tuned"});
  }
  std::vector<double> run_betas = betas;  // every beta a frame is decoded at
  for (double b : tuned)
    if (std::find(run_betas.begin(), run_betas.end(), b) == run_betas.end()) run_betas.push_back(b);

  std::unique_ptr<io::Source> src = open_input(a.input, a.src);
  const std::unique_ptr<Engine> engine = choose_engine(a.flags).engine;
  KeypointEvaluation ev;
  int channels = -1;
  long with_gt = 0;
  const int head_a = [&] {
    const std::vector<std::string>& n = names.empty() ? gt.names : names;
    for (const char* s : {"head_top", "left_ear"}) {
      const auto it = std::find(n.begin(), n.end(), s);
      if (it != n.end()) return static_cast<int>(it - n.begin());
    }
    return -1;
  }();
  const int head_b = [&] {
    const std::vector<std::string>& n = names.empty() ? gt.names : names;
    for (const char* s : {"upper_neck", "right_ear"}) {
      const auto it = std::find(n.begin(), n.end(), s);
      if (it != n.end()) return static_cast<int>(it - n.begin());
    }
    return -1;
  }();
  if (norm == "head" && (head_a < 0 || head_b < 0))
    throw UsageError(
        "--pck-norm head needs keypoints named head_top and upper_neck (mpii16) or "
        "left_ear and right_ear (coco17): give --keypoints");
  const long total = a.max_frames >= 0 && src->frame_count() >= 0
                         ? std::min(a.max_frames, src->frame_count())
                         : (a.max_frames >= 0 ? a.max_frames : src->frame_count());
  const RunOutcome run = run_frames(a.input, *src, a.max_frames, total, a.allow_truncated, [&] {
    std::optional<io::Frame> f = src->next();
    if (!f) return false;
    const HeatmapView view = f->heatmap.view();
    if (channels < 0) {
      channels = view.channels;
      ev = KeypointEvaluation(static_cast<int>(methods.size()), channels);
    }
    const io::GtEntry* e = gt.find(f->index, f->file_name);
    if (!e) return true;
    ++with_gt;
    for (double b : run_betas) {
      const Lab lab = resolve_lab(lf, b);
      const DecodedFrame d = engine->decode(view, DecodeOptions{b, normalize});
      const std::vector<Keypoint>& kps = d.keypoints();
      const auto points = decode_lab(d, lab.decoders, lab.params);
      for (int c = 0; c < view.channels; ++c) {
        const std::optional<Target> t = target_of(gt, *e, *f, c, kps[c]);
        if (!t) continue;
        const double nv = norm_of(norm, gt, *f, *t, head_a, head_b);
        for (std::size_t m = 0; m < methods.size(); ++m) {
          const Method& me = methods[m];
          const double mb = me.per_keypoint ? tuned[c] : me.beta;
          const bool beta_free = !decoder_uses_beta(me.decoder);
          if (beta_free ? b != run_betas[0] : mb != b) continue;
          const std::size_t i = static_cast<std::size_t>(
              std::find(lab.decoders.begin(), lab.decoders.end(), me.decoder) -
              lab.decoders.begin());
          const DecodedPoint& p = points[c][i];
          double err = NAN;
          if (p.valid && std::isfinite(p.x) && std::isfinite(p.y)) {
            const io::Point2 q = io::heatmap_to_image(*f, p.x, p.y);
            err = std::hypot(q.x - t->image.x, q.y - t->image.y);
          }
          ev.add(static_cast<int>(m), c, err, nv);
        }
      }
    }
    return true;
  });
  if (run.code != kExitOk) {
    out.discard();
    std::cerr << "peakscope-cli: " << run.error << " (nothing written: " << a.out_dir
              << " left unchanged)\n";
    return run.code;
  }
  if (with_gt == 0) {
    out.discard();
    throw std::runtime_error(a.input + ": none of the " + std::to_string(run.frames) +
                             " frame(s) read has ground truth in " + gt.path +
                             " (see docs/ground-truth.md for how frames are matched)");
  }
  if (names.empty() && static_cast<int>(gt.names.size()) == channels) names = gt.names;

  // The report.
  auto stats_json = [&](const EvalStats& s) {
    Json pck = Json::object();
    for (std::size_t t = 0; t < th.size(); ++t) pck[beta_text(th[t])] = num(s.pck[t]);
    return Json{{"labelled", s.labelled},
                {"invalid", s.invalid},
                {"mean_error", num(s.mean)},
                {"median_error", num(s.median)},
                {"pck", std::move(pck)}};
  };
  Json j;
  j["input"] = a.input;
  j["ground_truth"] = gt.path;
  j["ground_truth_format"] = gt.format;
  j["ground_truth_space"] = gt.space == io::GtSpace::kImage ? "image" : "heatmap";
  j["frames_read"] = run.frames;
  j["frames_with_ground_truth"] = with_gt;
  j["error_unit"] = "image px";
  j["pck_norm"] = norm;
  j["pck_thresholds"] = th;
  j["normalize"] = common::normalize_name(normalize);
  j["keypoint_names"] = names;
  if (a.auto_beta) j["auto_beta"] = tune_json;
  j["methods"] = Json::array();
  Output csv((dir / "evaluate.csv").string());
  csv.stream() << "method,decoder,beta,keypoint,name,labelled,invalid,mean_error,median_error";
  for (double t : th) csv.stream() << ",pck_" << beta_text(t);
  csv.stream() << "\n";
  for (std::size_t m = 0; m < methods.size(); ++m) {
    const Method& me = methods[m];
    Json mj;
    mj["method"] = me.label;
    mj["decoder"] = decoder_name(me.decoder);
    if (me.per_keypoint)
      mj["beta"] = "per keypoint";
    else if (decoder_uses_beta(me.decoder))
      mj["beta"] = me.beta;
    else
      mj["beta"] = nullptr;
    const EvalStats all = ev.stats(static_cast<int>(m), -1, th);
    mj["all"] = stats_json(all);
    mj["keypoints"] = Json::array();
    for (int k = -1; k < ev.keypoints(); ++k) {
      const EvalStats s = k < 0 ? all : ev.stats(static_cast<int>(m), k, th);
      const std::string name = k >= 0 && k < static_cast<int>(names.size()) ? names[k] : "";
      if (k >= 0) {
        Json kj = {{"keypoint", k}};
        if (!name.empty()) kj["name"] = name;
        kj.update(stats_json(s));
        mj["keypoints"].push_back(std::move(kj));
      }
      const std::string beta_col = me.per_keypoint ? (k >= 0 ? csv_num(tuned[k]) : "")
                                   : decoder_uses_beta(me.decoder) ? csv_num(me.beta)
                                                                   : "";
      csv.stream() << me.label << ',' << decoder_name(me.decoder) << ',' << beta_col << ','
                   << (k < 0 ? "all" : std::to_string(k)) << ',' << name << ',' << s.labelled << ','
                   << s.invalid << ',' << csv_num(s.mean) << ',' << csv_num(s.median);
      for (double p : s.pck) csv.stream() << ',' << csv_num(p);
      csv.stream() << '\n';
    }
    j["methods"].push_back(std::move(mj));
    std::cerr << "peakscope-cli: " << me.label << ": mean error " << all.mean << " px, PCK@"
              << beta_text(th[0]) << " " << (std::isfinite(all.pck[0]) ? 100 * all.pck[0] : NAN)
              << "% (" << all.labelled << " keypoints)\n";
  }
  Output js((dir / "evaluate.json").string());
  js.stream() << j.dump(2) << "\n";
  const std::string title = a.input + " vs " + fs::path(gt.path).filename().string() + ": " +
                            std::to_string(with_gt) + " frame(s)";
  io::write_png((dir / "evaluate.png").string(), table_sheet(methods, ev, names, th, title, norm));
  csv.commit();
  js.commit();
  out.commit();
  std::cerr << "peakscope-cli: evaluate.json, evaluate.csv and evaluate.png in " << a.out_dir
            << "\n";
  return kExitOk;
}

}  // namespace peakscope::cli
