#include "app/cli/decode.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/gpu/select_engine.hpp"
#include "core/io/panels.hpp"

namespace peakscope::cli {
namespace {

bool parse_normalize(const std::string& s) {
  if (s == "max") return true;
  if (s == "none") return false;
  throw std::invalid_argument("--normalize must be max or none, got '" + s + "'");
}

void check_beta(double beta) {
  DecodeOptions{beta, false}.validate();
}

// JSON number that stays valid JSON: NaN / Inf become null.
nlohmann::ordered_json num(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

std::vector<double> parse_betas(const std::string& s) {
  std::vector<double> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    double b = 0;
    try {
      std::size_t used = 0;
      b = std::stod(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw std::invalid_argument("--betas: '" + item + "' is not a number");
    }
    if (!(b > 0) || !std::isfinite(b))
      throw std::invalid_argument("--betas: beta must be finite and > 0, got " + item);
    out.push_back(b);
  }
  if (out.empty()) throw std::invalid_argument("--betas: no beta given");
  return out;
}

int run_decode(const DecodeArgs& a) {
  const bool normalize = parse_normalize(a.normalize);
  check_beta(a.beta);
  if (a.format != "json" && a.format != "csv")
    throw std::invalid_argument("--format must be json or csv, got '" + a.format + "'");
  const Backend backend = parse_backend(a.backend);
  std::unique_ptr<io::Source> src = io::open_source(a.src.input, source_options(a.src));
  const std::unique_ptr<Engine> engine =
      gpu::select_engine(backend, gpu::ContextMode::kOwnHeadless, /*quiet=*/false).engine;
  const Backend started_on = engine->kind();

  std::ofstream file;
  if (!a.out.empty()) {
    file.open(a.out);
    if (!file) throw std::runtime_error("cannot write " + a.out);
  }
  std::ostream& out = a.out.empty() ? std::cout : file;
  const DecodeOptions opt{a.beta, normalize};
  const bool json = a.format == "json";
  if (json) {
    out << "{\"input\": " << nlohmann::json(a.src.input).dump()
        << ", \"beta\": " << num(a.beta).dump() << ", \"normalize\": \"" << a.normalize
        << "\", \"backend\": \"" << backend_name(started_on) << "\", \"frames\": [";
  } else {
    out << "frame,channel,argmax_x,argmax_y,argmax_value,softargmax_x,softargmax_y,peak_"
           "probability,valid\n";
  }
  Progress progress(src->frame_count());
  long n = 0;
  while (std::optional<io::Frame> f = src->next()) {
    const std::vector<Keypoint> kps = engine->decode(f->heatmap.view(), opt);
    if (json) {
      nlohmann::ordered_json fr;
      fr["index"] = f->index;
      if (engine->last_decode_backend() != started_on) {  // a GPU failure moved it to the CPU
        fr["backend"] = backend_name(engine->last_decode_backend());
        fr["fallback_reason"] = engine->fallback_reason();
      }
      fr["channels"] = nlohmann::ordered_json::array();
      for (std::size_t c = 0; c < kps.size(); ++c) {
        const Keypoint& k = kps[c];
        nlohmann::ordered_json ch = {
            {"argmax",
             {{"x", num(k.argmax_x)}, {"y", num(k.argmax_y)}, {"value", num(k.argmax_value)}}},
            {"softargmax", {{"x", num(k.soft_x)}, {"y", num(k.soft_y)}}},
            {"peak_probability", num(k.peak_probability)}};
        if (!k.valid) ch["valid"] = false;
        if (!f->image.empty() && (f->image_scale_x != 1 || f->image_scale_y != 1))
          ch["softargmax_image"] = {{"x", num((k.soft_x + 0.5) * f->image_scale_x - 0.5)},
                                    {"y", num((k.soft_y + 0.5) * f->image_scale_y - 0.5)}};
        const double e = io::ground_truth_error(*f, static_cast<int>(c), k);
        if (e >= 0) ch["error_to_ground_truth"] = e;
        fr["channels"].push_back(std::move(ch));
      }
      out << (n ? ",\n  " : "\n  ") << fr.dump();
    } else {
      char line[512];
      for (std::size_t c = 0; c < kps.size(); ++c) {
        const Keypoint& k = kps[c];
        std::snprintf(line, sizeof line, "%ld,%zu,%.0f,%.0f,%.9g,%.6f,%.6f,%.9g,%d\n", f->index, c,
                      k.argmax_x, k.argmax_y, k.argmax_value, k.soft_x, k.soft_y,
                      k.peak_probability, k.valid ? 1 : 0);
        out << line;
      }
    }
    progress.update(++n);
  }
  progress.finish();
  if (json) out << (n ? "\n" : "") << "]}\n";
  out.flush();
  if (!out)
    throw std::runtime_error("write failed" + (a.out.empty() ? std::string() : " for " + a.out));
  if (n == 0) {
    std::cerr << "peakscope-cli: " << a.src.input << ": no frames\n";
    return 1;
  }
  std::cerr << "peakscope-cli: decoded " << n << " frame(s) on " << engine->description() << "\n";
  return 0;
}

int run_sweep(const SweepArgs& a) {
  const bool normalize = parse_normalize(a.normalize);
  const std::vector<double> betas = parse_betas(a.betas);
  if (a.out_dir.empty()) throw std::invalid_argument("sweep needs --out DIR");
  const io::Colormap cmap = io::parse_colormap(a.colormap);
  std::unique_ptr<io::Source> src = io::open_source(a.src.input, source_options(a.src));
  const std::unique_ptr<Engine> engine =
      gpu::select_engine(parse_backend(a.backend), gpu::ContextMode::kOwnHeadless, false).engine;
  CpuEngine cpu;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(a.out_dir, ec);
  if (ec) throw std::runtime_error("cannot create " + a.out_dir + ": " + ec.message());
  const fs::path dir(a.out_dir);
  std::ofstream csv(dir / "sweep.csv");
  if (!csv) throw std::runtime_error("cannot write " + (dir / "sweep.csv").string());
  csv << "frame,channel,beta,argmax_x,argmax_y,softargmax_x,softargmax_y,peak_probability,error_to_"
         "ground_truth\n";
  const long total =
      a.max_frames >= 0
          ? std::min(a.max_frames, src->frame_count() < 0 ? a.max_frames : src->frame_count())
          : src->frame_count();
  Progress progress(total);
  long n = 0, sheets = 0;
  while (a.max_frames < 0 || n < a.max_frames) {
    std::optional<io::Frame> f = src->next();
    if (!f) break;
    const HeatmapView map = f->heatmap.view();
    if (a.channel < 0 || a.channel >= map.channels)
      throw std::invalid_argument("--channel " + std::to_string(a.channel) +
                                  " out of range: the input has " + std::to_string(map.channels) +
                                  " channel(s)");
    char name[96];
    const std::string label = "frame " + std::to_string(f->index);
    std::vector<float> p(map.pixels());
    std::vector<cv::Mat> rows;  // the per-beta sheets, stacked into the beta grid below
    for (double beta : betas) {
      const DecodeOptions opt{beta, normalize};
      const std::vector<Keypoint> kps = engine->decode(map, opt);
      for (std::size_t c = 0; c < kps.size(); ++c) {
        const Keypoint& k = kps[c];
        const double e = io::ground_truth_error(*f, static_cast<int>(c), k);
        char line[320];
        std::snprintf(line, sizeof line, "%ld,%zu,%.9g,%.0f,%.0f,%.6f,%.6f,%.9g,%s\n", f->index, c,
                      beta, k.argmax_x, k.argmax_y, k.soft_x, k.soft_y, k.peak_probability,
                      e >= 0 ? std::to_string(e).c_str() : "");
        csv << line;
      }
      const Keypoint k = cpu.softmax_map(map, a.channel, opt, p.data());
      std::snprintf(name, sizeof name, "frame%05ld_beta%g.png", f->index, beta);
      rows.push_back(io::compose_sheet(io::make_seed_panels(map, a.channel, k, p, cmap),
                                       io::sheet_footer(beta, normalize, k, label)));
      io::write_png((dir / name).string(), rows.back());
      ++sheets;
    }
    // Same rows as io::compose_beta_grid, without decoding every beta a second time.
    cv::Mat grid;
    cv::vconcat(rows, grid);
    std::snprintf(name, sizeof name, "frame%05ld_grid.png", f->index);
    io::write_png((dir / name).string(), grid);
    ++sheets;
    progress.update(++n);
  }
  progress.finish();
  if (n == 0) {
    std::cerr << "peakscope-cli: " << a.src.input << ": no frames\n";
    return 1;
  }
  std::cerr << "peakscope-cli: " << n << " frame(s), " << betas.size() << " beta(s): " << sheets
            << " sheets and sweep.csv in " << a.out_dir << "\n";
  return 0;
}

}  // namespace peakscope::cli
