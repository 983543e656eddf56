#include "app/cli/decode.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/progress.hpp"
#include "core/gpu/select_engine.hpp"

namespace peakscope::cli {
namespace {

// JSON number that stays valid JSON: NaN / Inf become null.
nlohmann::ordered_json num(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

// --pose: the channel's keypoint name and the model's own regressed landmark (image pixels,
// visibility and presence as probabilities), beside the decoded heatmap.
void add_pose_channel(nlohmann::ordered_json& ch, const io::Frame& f, std::size_t c) {
  if (!f.pose) return;
  if (c < f.pose->names.size()) ch["name"] = f.pose->names[c];
  if (c < f.landmarks.size()) {
    const io::Landmark& l = f.landmarks[c];
    ch["regressed"] = {{"x", num(l.x)},
                       {"y", num(l.y)},
                       {"visibility", num(l.visibility)},
                       {"presence", num(l.presence)}};
  }
}

}  // namespace

CLI::App* add_decode_command(CLI::App& app, DecodeArgs& a) {
  CLI::App* cmd = app.add_subcommand("decode", "decode every frame and channel to JSON or CSV");
  cmd->add_option(
         "input", a.input,
         "synthetic, camera:N, a video, an image, a folder or glob of images, or a .npy stack")
      ->required();
  common::add_source_options(*cmd, a.src);
  common::add_synthetic_options(*cmd, a.src);
  add_decode_flags(*cmd, a.flags, /*with_beta=*/true);
  add_lab_flags(*cmd, a.lab);
  cmd->add_option("--format", a.format, "json | csv")
      ->check(CLI::IsMember({"json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--out", a.out, "output file (default: stdout)");
  return cmd;
}

int run_decode(const DecodeArgs& a) {
  const bool normalize = a.flags.normalize_on();
  const Backend backend = parse_backend(a.flags.backend);
  const Lab lab = resolve_lab(a.lab, a.flags.beta);
  std::unique_ptr<io::Source> src = open_input(a.input, a.src);
  const std::unique_ptr<Engine> engine =
      gpu::select_engine(backend, gpu::ContextMode::kOwnHeadless, /*quiet=*/false).engine;
  const Backend started_on = engine->kind();

  std::ofstream file;
  if (!a.out.empty()) {
    file.open(a.out);
    if (!file) throw std::runtime_error("cannot write " + a.out);
  }
  std::ostream& out = a.out.empty() ? std::cout : file;
  const DecodeOptions opt{a.flags.beta, normalize};
  const bool json = a.format == "json";
  if (json) {
    out << "{\"input\": " << nlohmann::json(a.input).dump()
        << ", \"beta\": " << num(opt.beta).dump() << ", \"normalize\": \"" << a.flags.normalize
        << "\", \"backend\": \"" << backend_name(started_on) << "\"";
    if (lab.active()) {
      nlohmann::ordered_json h;
      lab.describe(h);
      for (const auto& [key, value] : h.items())
        out << ", " << nlohmann::json(key).dump() << ": " << value.dump();
    }
    out << ", \"frames\": [";
  } else {
    out << "frame,channel,argmax_x,argmax_y,argmax_value,softargmax_x,softargmax_y,peak_"
           "probability,valid"
        << lab.csv_header() << "\n";
  }
  Progress progress(src->frame_count());
  long n = 0;
  const io::PosePreset* pose = nullptr;  // --pose: names and skeleton, written at the end
  while (std::optional<io::Frame> f = src->next()) {
    const std::vector<Keypoint> kps = engine->decode(f->heatmap.view(), opt);
    if (json) {
      nlohmann::ordered_json fr;
      fr["index"] = f->index;
      if (engine->last_decode_backend() != started_on) {  // a GPU failure moved it to the CPU
        fr["backend"] = backend_name(engine->last_decode_backend());
        fr["fallback_reason"] = engine->fallback_reason();
      }
      if (f->pose) {
        pose = f->pose;
        fr["pose"] = {{"presence", num(f->pose_presence)},
                      {"roi",
                       {{"x", num(f->model_box.x)},
                        {"y", num(f->model_box.y)},
                        {"w", num(f->model_box.w)},
                        {"h", num(f->model_box.h)}}}};
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
        if (lab.active())
          ch["decoders"] = lab.channel_json(f->heatmap.view(), static_cast<int>(c), k, opt);
        if (!f->image.empty() && (f->image_scale_x != 1 || f->image_scale_y != 1 ||
                                  f->image_offset_x != 0 || f->image_offset_y != 0)) {
          const io::Point2 am = io::heatmap_to_image(*f, k.argmax_x, k.argmax_y);
          const io::Point2 sa = io::heatmap_to_image(*f, k.soft_x, k.soft_y);
          ch["argmax_image"] = {{"x", num(am.x)}, {"y", num(am.y)}};
          ch["softargmax_image"] = {{"x", num(sa.x)}, {"y", num(sa.y)}};
        }
        add_pose_channel(ch, *f, c);
        const double e = io::ground_truth_error(*f, static_cast<int>(c), k);
        if (e >= 0) ch["error_to_ground_truth"] = e;
        fr["channels"].push_back(std::move(ch));
      }
      out << (n ? ",\n  " : "\n  ") << fr.dump();
    } else {
      char line[512];
      for (std::size_t c = 0; c < kps.size(); ++c) {
        const Keypoint& k = kps[c];
        std::snprintf(line, sizeof line, "%ld,%zu,%.0f,%.0f,%.9g,%.6f,%.6f,%.9g,%d", f->index, c,
                      k.argmax_x, k.argmax_y, k.argmax_value, k.soft_x, k.soft_y,
                      k.peak_probability, k.valid ? 1 : 0);
        out << line;
        if (lab.active()) out << lab.csv_values(f->heatmap.view(), static_cast<int>(c), k, opt);
        out << "\n";
      }
    }
    progress.update(++n);
  }
  progress.finish();
  if (json) {
    out << (n ? "\n" : "") << "]";
    if (pose)
      out << ", \"pose_preset\": " << nlohmann::json(pose->name).dump()
          << ", \"keypoint_names\": " << nlohmann::json(pose->names).dump()
          << ", \"skeleton\": " << nlohmann::json(pose->skeleton).dump();
    out << "}\n";
  }
  out.flush();
  if (!out)
    throw std::runtime_error("write failed" + (a.out.empty() ? std::string() : " for " + a.out));
  if (n == 0) {
    std::cerr << "peakscope-cli: " << a.input << ": no frames\n";
    return kExitBadInput;
  }
  std::cerr << "peakscope-cli: decoded " << n << " frame(s) on " << engine->description() << "\n";
  return kExitOk;
}

}  // namespace peakscope::cli
