#include "app/cli/decode.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/csv.hpp"
#include "app/cli/interrupt.hpp"
#include "app/cli/json_number.hpp"
#include "app/cli/output.hpp"
#include "app/cli/progress.hpp"
#include "app/cli/run_loop.hpp"
#include "core/engine/select_engine.hpp"
#include "core/io/stream_source.hpp"
#include "core/lab/lab.hpp"

namespace peakscope::cli {
namespace {

using Json = nlohmann::ordered_json;

// Numbers in the CLI's one spelling (app/cli/json_number.hpp): NaN and +-Inf as strings.
Json num(double v) {
  return json_num(v);
}

// The heatmap's grid differs from the image's (a model's output, a crop): image coordinates
// are written too.
bool has_image_coords(const io::Frame& f) {
  return !f.image.empty() && (f.image_scale_x != 1 || f.image_scale_y != 1 ||
                              f.image_offset_x != 0 || f.image_offset_y != 0);
}

// --pose: the channel's keypoint name and the model's own regressed landmark (image pixels,
// visibility and presence as probabilities), beside the decoded heatmap.
void add_pose_channel(Json& ch, const io::Frame& f, std::size_t c) {
  if (c < f.names.size() && !f.names[c].empty()) ch["name"] = f.names[c];  // a stream's names
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

// Channel c's keypoint name: the pose preset's, else the frame's (--keypoints, a COCO file's
// categories, a stream's sender); empty when unnamed.
std::string channel_name(const io::Frame& f, std::size_t c) {
  if (f.pose && c < f.pose->names.size()) return f.pose->names[c];
  return c < f.names.size() ? f.names[c] : std::string();
}

// A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break.
std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

// Writes the document frame by frame: JSON {"input", ..., "frames": [...], summary} or CSV.
class Writer {
 public:
  Writer(std::ostream& out, const DecodeArgs& a, const DecodeOptions& opt, bool json,
         const Lab& lab)
      : out_(out), a_(a), opt_(opt), json_(json), lab_(lab) {}

  // One frame as `decoded` holds it (its keypoints, its backend, and the lab's decoders run on
  // it: on the GPU the frame stays on the device).
  void frame(const io::Frame& f, const DecodedFrame& decoded) {
    if (n_ == 0) begin(f);
    if (names_.empty() && !f.names.empty()) names_ = f.names, skeleton_ = f.skeleton;
    const std::vector<Keypoint>& kps = decoded.keypoints();
    const std::vector<std::vector<DecodedPoint>> points =
        lab_.active() ? decode_lab(decoded, lab_.decoders, lab_.params)
                      : std::vector<std::vector<DecodedPoint>>{};
    const int w = decoded.shape().width, h = decoded.shape().height;
    const char* backend = backend_name(decoded.backend());
    backends_ |= decoded.backend() == Backend::kGpu ? 1 : 2;
    if (json_) {
      Json fr;
      fr["index"] = f.index;
      fr["backend"] = backend;
      if (f.input_dtype != dtype_) fr["input_dtype"] = f.input_dtype;
      if (f.pose) {
        pose_ = f.pose;
        fr["pose"] = {{"presence", num(f.pose_presence)},
                      {"roi",
                       {{"x", num(f.model_box.x)},
                        {"y", num(f.model_box.y)},
                        {"w", num(f.model_box.w)},
                        {"h", num(f.model_box.h)}}}};
      }
      fr["channels"] = Json::array();
      for (std::size_t c = 0; c < kps.size(); ++c) {
        const Keypoint& k = kps[c];
        Json ch = {
            {"argmax",
             {{"x", num(k.argmax_x)}, {"y", num(k.argmax_y)}, {"value", num(k.argmax_value)}}},
            {"softargmax", {{"x", num(k.soft_x)}, {"y", num(k.soft_y)}}},
            {"peak_probability", num(k.peak_probability)}};
        if (!k.valid) ch["valid"] = false;
        // The beta this channel's values got, where normalise made it differ from --beta.
        if (const double eb = channel_effective_beta(opt_, k); eb != opt_.beta)
          ch["effective_beta"] = eb;
        if (lab_.active()) ch["decoders"] = lab_.channel_json(points[c], w, h);
        if (lab_.active() && has_image_coords(f)) {  // each decoder in frame pixels too
          Json di = Json::object();
          for (std::size_t i = 0; i < lab_.decoders.size(); ++i) {
            const io::Point2 q = io::heatmap_to_image(f, points[c][i].x, points[c][i].y);
            di[decoder_name(lab_.decoders[i])] = {{"x", num(q.x)}, {"y", num(q.y)}};
          }
          ch["decoders_image"] = std::move(di);
        }
        if (has_image_coords(f)) {
          const io::Point2 am = io::heatmap_to_image(f, k.argmax_x, k.argmax_y);
          const io::Point2 sa = io::heatmap_to_image(f, k.soft_x, k.soft_y);
          ch["argmax_image"] = {{"x", num(am.x)}, {"y", num(am.y)}};
          ch["softargmax_image"] = {{"x", num(sa.x)}, {"y", num(sa.y)}};
        }
        add_pose_channel(ch, f, c);
        const double e = io::ground_truth_error(f, static_cast<int>(c), k);
        if (e >= 0) ch["error_to_ground_truth"] = num(e);
        fr["channels"].push_back(std::move(ch));
      }
      out_ << (n_ ? ",\n  " : "\n  ") << fr.dump();
    } else {
      for (std::size_t c = 0; c < kps.size(); ++c) {
        const Keypoint& k = kps[c];
        out_ << f.index << ',' << c << ',' << csv_num(k.argmax_x) << ',' << csv_num(k.argmax_y)
             << ',' << csv_num(k.argmax_value) << ',' << csv_num(k.soft_x) << ','
             << csv_num(k.soft_y) << ',' << csv_num(k.peak_probability) << ',' << (k.valid ? 1 : 0);
        if (opt_.normalize) out_ << ',' << csv_num(channel_effective_beta(opt_, k));
        if (image_cols_) {
          const io::Point2 am = io::heatmap_to_image(f, k.argmax_x, k.argmax_y);
          const io::Point2 sa = io::heatmap_to_image(f, k.soft_x, k.soft_y);
          out_ << ',' << csv_num(am.x) << ',' << csv_num(am.y) << ',' << csv_num(sa.x) << ','
               << csv_num(sa.y);
        }
        if (gt_col_) {
          const double e = io::ground_truth_error(f, static_cast<int>(c), k);
          out_ << ',' << (e >= 0 ? csv_num(e) : std::string());
        }
        if (lab_.active()) out_ << lab_.csv_values(points[c], w, h);
        if (name_col_) out_ << ',' << csv_text(channel_name(f, c));
        out_ << '\n';
      }
    }
    ++n_;
  }

  // Ends the document. JSON: the summary after the frames ("backend" gpu|cpu|mixed, the
  // fallback's reason, the frame count, "stopped" for a short source, "error" on failure, and
  // with --pose the preset's name, keypoint names and skeleton).
  void finish(const std::string& fallback, const std::string& stopped, const std::string& warning,
              const std::string& error) {
    if (!json_) return;
    if (n_ == 0) begin(io::Frame{});
    Json tail;
    tail["backend"] = backends_ == 1   ? "gpu"
                      : backends_ == 2 ? "cpu"
                      : backends_      ? "mixed"
                                       : "none";
    if (!fallback.empty()) tail["fallback_reason"] = fallback;
    tail["frames_decoded"] = n_;
    if (!stopped.empty()) tail["stopped"] = stopped;
    if (!warning.empty()) tail["warning"] = warning;
    if (!error.empty()) tail["error"] = error;
    if (pose_) {  // --pose: names and skeleton once, for the whole run
      tail["pose_preset"] = pose_->name;
      tail["keypoint_names"] = pose_->names;
      tail["skeleton"] = pose_->skeleton;
    } else if (!names_.empty()) {  // --keypoints, a COCO file's categories, a stream's names
      tail["keypoint_names"] = names_;
      tail["skeleton"] = skeleton_;
    }
    const std::string t = tail.dump();  // {"backend":...}: spliced after "frames"
    out_ << (n_ ? "\n" : "") << "], " << t.substr(1) << "\n";
  }

 private:
  void begin(const io::Frame& f) {
    dtype_ = f.input_dtype;
    if (json_) {
      Json head;
      head["input"] = a_.input;
      if (!f.input_dtype.empty()) {
        head["input_dtype"] = f.input_dtype;
        head["narrowed"] = f.narrowed;
      }
      head["beta"] = num(a_.flags.beta);
      head["normalize"] = common::normalize_name(opt_.normalize);
      head["backend_requested"] = a_.flags.backend;
      if (lab_.active()) lab_.describe(head);
      const std::string h = head.dump();
      out_ << h.substr(0, h.size() - 1) << ", \"frames\": [";
      return;
    }
    image_cols_ = has_image_coords(f);
    gt_col_ = !f.ground_truth.empty();
    name_col_ = !f.names.empty() || f.pose;
    out_ << "frame,channel,argmax_x,argmax_y,argmax_value,softargmax_x,softargmax_y,peak_"
            "probability,valid"
         << (opt_.normalize ? ",effective_beta" : "")
         << (image_cols_ ? ",argmax_image_x,argmax_image_y,softargmax_image_x,softargmax_image_y"
                         : "")
         << (gt_col_ ? ",error_to_ground_truth" : "") << lab_.csv_header()
         << (name_col_ ? ",name" : "") << "\n";
  }

  std::ostream& out_;
  const DecodeArgs& a_;
  const DecodeOptions opt_;
  const bool json_;
  const Lab& lab_;
  long n_ = 0;
  int backends_ = 0;  // bit 0: a frame on the GPU, bit 1: a frame on the CPU
  std::string dtype_;
  bool image_cols_ = false, gt_col_ = false, name_col_ = false;
  std::vector<std::string> names_;  // the channels' names, for the summary
  std::vector<std::pair<int, int>> skeleton_;
  const io::PosePreset* pose_ = nullptr;
};

}  // namespace

CLI::App* add_decode_command(CLI::App& app, DecodeArgs& a) {
  CLI::App* cmd = app.add_subcommand("decode", "decode every frame and channel to JSON or CSV");
  cmd->add_option("input", a.input,
                  "synthetic, gpu-synthetic (rendered by the engine: on the GPU in device memory), "
                  "camera:N, a video, an image, a folder or glob of images, or a .npy stack")
      ->required();
  common::add_source_options(*cmd, a.src);
  common::add_synthetic_options(*cmd, a.src);
  add_decode_flags(*cmd, a.flags, /*with_beta=*/true);
  add_lab_flags(*cmd, a.lab);
  cmd->add_option("--format", a.format, "json | csv")
      ->check(CLI::IsMember({"json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--out", a.out,
                  "output file (default or -: stdout); a file is replaced only when complete, "
                  "a symlink's target is written, a FIFO or device written directly");
  cmd->add_flag("--allow-truncated", a.allow_truncated,
                "exit 0 when a video ends before the frame count its header declares");
  add_max_frames_option(*cmd, a.max_frames);
  return cmd;
}

int run_decode(const DecodeArgs& a) {
  const DecodeOptions opt{a.flags.beta, a.flags.normalize_on(a.src)};
  const Lab lab = resolve_lab(a.lab, a.flags.beta);
  std::unique_ptr<io::Source> src;
  if (a.input == "gpu-synthetic") {  // the synthetic scene, each frame made by the engine
    io::SourceOptions o;
    try {
      o = common::to_source_options(a.src);
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    o.synthetic.without_pixels = true;
    src = io::make_synthetic_source(o.synthetic);
  } else {
    src = open_input(a.input, a.src);
  }
  // From here a signal is recorded, not fatal: one during the set-up (the engine's start)
  // still ends the run with its complete JSON and 128 + N; the temporary file cannot be
  // orphaned.
  InterruptGuard guard;
  EngineChoice choice = choose_engine(a.flags);
  const std::unique_ptr<Engine> engine = std::move(choice.engine);
  Output output(a.out);
  Writer writer(output.stream(), a, opt, a.format == "json", lab);

  // Frames are written straight into the engine's slot (on the GPU its mapped staging memory,
  // no host copy; the decoding lab reads it there too); sources that cannot say a frame's
  // shape before reading it give a host frame, which the engine copies.
  // PEAKSCOPE_HOST_FRAMES=1 keeps every frame on the host (tests compare both paths).
  const char* host_env = std::getenv("PEAKSCOPE_HOST_FRAMES");
  const bool host_frames = host_env && host_env[0] == '1';
  // A live stream ends after --frames frames (or its --stream-timeout); the sender reads the
  // keypoints back on the stream's back-channel.
  const bool stream = a.input.rfind("stream:", 0) == 0;
  const nlohmann::json state = {{"beta", a.flags.beta},
                                {"normalize", common::normalize_name(opt.normalize)},
                                {"receiver", "peakscope-cli"}};
  // The frame limit: --max-frames, and --frames for a stream (its count) or when given for
  // any other source (at most that many; the synthetic scene has exactly that many).
  long max_frames = a.max_frames;
  if (stream || a.frames_given)
    max_frames =
        max_frames < 0 ? a.src.synthetic_frames : std::min(max_frames, a.src.synthetic_frames);
  long total = src->frame_count();
  if (max_frames >= 0 && (total < 0 || max_frames < total)) total = max_frames;
  RunOutcome run = run_frames(a.input, *src, max_frames, total, a.allow_truncated, [&] {
    std::optional<DecodedSourceFrame> d = next_decoded(*src, *engine, opt, host_frames);
    if (!d) return false;
    writer.frame(d->frame, d->decoded);  // a GPU that failed on it handed it to the CPU
    io::publish_decoded(d->frame, d->decoded.keypoints(), state);
    return true;
  });
  const std::string& stopped = run.stopped;
  const std::string warning = src->warning();
  // A failure at run time (the GPU gave up part-way) says more than the choice at start.
  const std::string run_reason = engine->fallback_reason();
  writer.finish(run_reason.empty() ? choice.reason : run_reason, stopped, warning, run.error);
  if (!warning.empty()) std::cerr << "peakscope-cli: " << warning << "\n";
  if (run.code != kExitOk) {
    // stdout gets the complete JSON document with "error" (CSV: nothing); --out is untouched.
    std::string unwritten;
    if (output.to_stdout() && a.format == "json") {
      try {
        output.commit();
      } catch (const std::exception& e) {  // stdout closed too (SIGPIPE): the code stays
        unwritten = std::string("; ") + e.what();
      }
    } else {
      output.discard();
    }
    std::cerr << "peakscope-cli: " << run.error
              << (output.to_stdout() ? "" : " (" + a.out + " left unchanged)") << unwritten << "\n";
    return run.code;
  }
  try {
    output.commit();
  } catch (const std::exception& e) {
    // A signal during the write (SIGPIPE from a reader that went away) keeps its exit code.
    if (const int sig = InterruptGuard::signal()) {
      std::cerr << "peakscope-cli: " << e.what() << " (" << signal_name(sig) << ")\n";
      return 128 + sig;
    }
    throw;
  }
  if (!stopped.empty()) std::cerr << "peakscope-cli: " << a.input << ": " << stopped << "\n";
  std::cerr << "peakscope-cli: decoded " << run.frames << " frame(s) on " << engine->description()
            << "\n";
  return kExitOk;
}

}  // namespace peakscope::cli
