#include "app/viewer/options.hpp"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

#include "app/common/flags.hpp"
#include "app/common/source_options.hpp"
#include "app/common/suggest.hpp"
#include "app/viewer/overlay.hpp"
#include "app/viewer/readouts.hpp"
#include "app/viewer/recorder.hpp"

namespace peakscope::viewer {
namespace {

// The flags as typed, before validation.
struct RawFlags {
  std::string source, backend, colormap, beta_text, normalize, all_view, hold_text;
  std::string decoders_text, sweep_text;
  std::string listen;   // --listen [ENDPOINT] ("" with the flag alone: the default endpoint)
  long listen_all = 0;  // --listen-all PORT
  std::string overlay, overlay_alpha;  // --overlay [max|all|CH], --overlay-alpha A
  std::string marker_size, marker_alpha, ui_scale, channels;  // --marker-size... --channels
  std::vector<double> grid_shift;                             // --grid-shift DX,DY
  std::vector<std::string> hide, press;
  std::string loop, ab;  // --loop on|off, --ab A,B
  long cache_mb = 512;
  int channel = -2;  // -2: not given
  unsigned long long seed = 1;
  common::SourceArgs source_args;  // --transform, --model...: kept for every source opened
};

void add_flags(CLI::App& app, RawFlags& f, ViewerOptions& o) {
  char beta_help[160];
  std::snprintf(beta_help, sizeof beta_help, "inverse temperature in [%g, %g] (default %g)",
                kBetaMin, kBetaMax, kDefaultBeta);
  ScriptOptions& s = o.script;
  app.add_option(
      "source", f.source,
      "synthetic (default), camera:N, a video, an image, a folder or glob of images, a .npy stack");
  common::add_source_options(app, f.source_args);
  app.add_option("--listen", f.listen,
                 "show frames streamed from Python (peakscope.connect()) on ENDPOINT: "
                 "ipc:///PATH, tcp://127.0.0.1:PORT or PORT (default: the user's private ipc "
                 "endpoint; docs/stream.md)")
      ->expected(0, 1);
  app.add_option("--listen-all", f.listen_all,
                 "show frames streamed over TCP on PORT of every network interface (anyone who "
                 "reaches it can send frames)");
  app.add_flag("--show-frame", o.show_frame, "left view shows the source frame with the markers");
  app.add_option("--overlay", f.overlay,
                 "the heatmap over the source image: max (default), all (each joint its colour) "
                 "or a channel number")
      ->expected(0, 1);
  app.add_option("--overlay-alpha", f.overlay_alpha, "the overlay's opacity in [0, 1] (0.5)");
  app.add_option("--grid-shift", f.grid_shift,
                 "DX,DY: move the heatmap's grid on the image by this many cells (alignment check)")
      ->delimiter(',')
      ->expected(2);
  app.add_option("--marker-size", f.marker_size, "the markers' size, a factor in [0.25, 4] (1)");
  app.add_option("--marker-alpha", f.marker_alpha, "the markers' opacity in [0.05, 1] (1)");
  app.add_option("--channels", f.channels,
                 "draw the markers of these channels only, e.g. 0,5-8 (all channels shown)");
  app.add_option("--ui-scale", f.ui_scale,
                 "scale of the fonts and controls in [0.5, 4] (default: the monitor's scale)");
  app.add_flag("--plot-log-y", o.plot_log_y, "the error plots' y axis in decades");
  app.add_option("--beta", f.beta_text, beta_help);
  app.add_option("--decoders", f.decoders_text,
                 "decoders to show beside argmax and soft-argmax: quarter,dark,dark-udp,window,"
                 "centroid,mediapipe,debiased or all");
  app.add_flag("--gradient", o.gradient_view, "open the soft-argmax gradient view");
  app.add_option("--coords", o.coords,
                 "the decoders' readouts in: index (default), half, dsnt, corner, image or "
                 "image-udp (image pixels through the region the model saw)")
      ->check(common::parsed_by(parse_viewer_coords));
  app.add_option("--normalize", f.normalize,
                 std::string("max | none (default ") + (kDefaultNormalize ? "max)" : "none)"))
      ->check(common::parsed_by(common::parse_normalize));
  app.add_option("--backend", f.backend, "auto | gpu | cpu")
      ->check(common::parsed_by(parse_backend));
  app.add_option("--colormap", f.colormap, "jet | viridis | turbo | inferno | gray");
  app.add_option("--channel", f.channel, "channel to show, numbered from 0 (-1: all)");
  app.add_option("--all-channels", f.all_view, "all channels as: max | grid")
      ->check(common::parsed_by(parse_all_channels_view));
  common::add_list_option(app, "--hide-markers", f.hide, "argmax, softargmax and/or ground_truth")
      ->check(common::parsed_by(parse_marker));
  common::add_list_option(app, "--press", f.press,
                          "keys pressed before the first frame, e.g. L,2,F1 (scripted)");
  app.add_option("--mouse", s.mouse, "scripted: the pointer at window pixel X,Y (hover readouts)")
      ->delimiter(',')
      ->expected(2);
  app.add_option("--sweep-beta", f.sweep_text,
                 "LO:HI: beta swept log-uniformly over the --frames (e.g. with --record)");
  app.add_option("--hold", f.hold_text, "hold each frame (e.g. each image) at least this many s");
  app.add_option("--cache-mb", f.cache_mb,
                 "frames of a file kept for the timeline, in MiB (512; 0: none)");
  app.add_option("--loop", f.loop, "on | off: start again at the end (on; off when scripted)");
  app.add_option("--seek", o.timeline.seek, "start at frame N of a file");
  app.add_option("--pin", o.timeline.pin, "pin frame N when it is shown (compare with it)");
  app.add_option("--ab", f.ab,
                 "A/B compare on the same frame: BETA:DECODER,BETA:DECODER (e.g. "
                 "20:softargmax,200:dark)");
  app.add_option("--ab-sheet", s.ab_sheet, "save the compare (A/B) sheet PNG at the end");
  app.add_option("--frames", s.frames, "run N frames, save what was asked, exit (scripted)");
  app.add_option("--screenshot", s.screenshot, "save the window as PNG at the end");
  app.add_option("--sheet", s.sheet, "save a comparison sheet at the end (.png or .svg)");
  app.add_option("--beta-grid", s.beta_grid, "save a beta-grid sheet at the end (.png or .svg)");
  app.add_option("--sheet-scale", o.sheet_scale,
                 "size factor of saved sheets' panels, markers and text, in (0, 8] (2: for print)")
      ->check(CLI::Range(0.01, 8.0));
  app.add_option("--record", s.record,
                 "record the window to this .mp4, .avi or .mkv (with --frames)");
  app.add_option("--report", s.report,
                 "write a JSON report (keypoints, view placement, frame times)");
  app.add_option("--seed", f.seed, "synthetic scene seed")
      ->check(common::parsed_by(common::parse_seed));
  app.add_option("--width", o.width, "window width");
  app.add_option("--height", o.height, "window height");
}

// Applies the flags over o.settings. Throws std::invalid_argument with the message to print.
void apply_flags(const CLI::App& app, RawFlags& f, bool scripted, ViewerOptions& o) {
  Settings& settings = o.settings;
  ScriptOptions& s = o.script;
  for (const auto& [flag, v] :
       {std::pair<const char*, int>{"--width", o.width}, {"--height", o.height}})
    if (v < 1 || v > 16384)
      throw std::invalid_argument(std::string(flag) + " must be from 1 to 16384 pixels, got " +
                                  std::to_string(v));
  if (scripted && s.frames <= 0)
    throw std::invalid_argument("--frames must be > 0, got " + std::to_string(s.frames));
  if (!s.record.empty() && !scripted)
    throw std::invalid_argument("--record needs --frames (press V to record interactively)");
  if (!s.record.empty()) record_format(s.record);  // an unknown extension: refused up front
  if (app.count("--beta")) settings.set_beta(parse_beta(f.beta_text));
  if (!f.decoders_text.empty()) o.lab_decoders = parse_decoder_list(f.decoders_text);
  if (!f.normalize.empty() || common::logits_source(f.source_args))  // logits: none by default
    settings.set_normalize(common::resolve_normalize(f.normalize, f.source_args));
  if (!f.backend.empty()) settings.set_backend(parse_backend(f.backend));
  if (!f.colormap.empty()) settings.set_colormap(io::parse_colormap(f.colormap));
  if (f.channel != -2) settings.set_channel(f.channel);
  if (!f.all_view.empty()) settings.set_all_channels_view(parse_all_channels_view(f.all_view));
  if (!f.hold_text.empty()) {
    char* end = nullptr;
    const double hold = std::strtod(f.hold_text.c_str(), &end);
    if (end == f.hold_text.c_str() || *end)
      throw std::invalid_argument("--hold must be a number of seconds, got '" + f.hold_text + "'");
    settings.set_hold_s(hold);
  }
  if (app.count("source")) settings.set_source(f.source);
  bool source_given = app.count("source") > 0;
  if (app.count("--overlay")) {
    // `peakscope --overlay clip.mp4`: the option took the source as its value.
    auto is_spec = [](const std::string& t) {
      try {
        parse_overlay_spec(t);
        return true;
      } catch (const std::invalid_argument&) {
        return false;
      }
    };
    if (!app.count("source") && !is_spec(f.overlay)) {
      settings.set_source(f.overlay);
      f.overlay.clear();
      source_given = true;
    }
    const OverlaySpec spec = parse_overlay_spec(f.overlay);
    settings.set_overlay_view(spec.view);
    if (spec.channel != -2) settings.set_channel(spec.channel);
  }
  const bool listen = app.count("--listen") > 0, listen_all = app.count("--listen-all") > 0;
  if ((listen || listen_all) && source_given)
    throw std::invalid_argument("--listen shows a stream: give no source with it");
  if (listen && listen_all) throw std::invalid_argument("give --listen or --listen-all, not both");
  if (listen) settings.set_source("stream:" + f.listen);
  if (listen_all) settings.set_source("stream:tcp://0.0.0.0:" + std::to_string(f.listen_all));
  if (!f.overlay_alpha.empty()) {
    char* end = nullptr;
    const double a = std::strtod(f.overlay_alpha.c_str(), &end);
    if (end == f.overlay_alpha.c_str() || *end)
      throw std::invalid_argument("--overlay-alpha must be a number in [0, 1], got '" +
                                  f.overlay_alpha + "'");
    settings.set_overlay_alpha(a);
  }
  // A number for a setter, or a message naming the flag and the text.
  auto number = [](const std::string& flag, const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end)
      throw std::invalid_argument(flag + " must be a number, got '" + text + "'");
    return v;
  };
  if (!f.marker_size.empty()) settings.set_marker_size(number("--marker-size", f.marker_size));
  if (!f.marker_alpha.empty()) settings.set_marker_alpha(number("--marker-alpha", f.marker_alpha));
  if (!f.ui_scale.empty()) settings.set_ui_scale(number("--ui-scale", f.ui_scale));
  if (o.plot_log_y) settings.set_plot_log_y(true);
  if (app.count("--channels")) o.drawn_channels = parse_channel_list(f.channels);
  if (!f.grid_shift.empty()) {
    for (double d : f.grid_shift)
      if (!(std::abs(d) <= kGridShiftMax))
        throw std::invalid_argument("--grid-shift must be within +-8 cells, got " +
                                    std::to_string(d));
    o.grid_shift_x = f.grid_shift[0];
    o.grid_shift_y = f.grid_shift[1];
  }
  for (const std::string& k : f.press) s.press.push_back(parse_key(k));
  if (!f.sweep_text.empty()) {
    const std::size_t colon = f.sweep_text.find(':');
    if (!scripted || colon == std::string::npos)
      throw std::invalid_argument("--sweep-beta needs --frames and LO:HI, got '" + f.sweep_text +
                                  "'");
    s.sweep_lo = parse_beta(f.sweep_text.substr(0, colon));
    s.sweep_hi = parse_beta(f.sweep_text.substr(colon + 1));
  }
  for (const std::string& m : f.hide) settings.set_marker_visible(parse_marker(m), false);
  TimelineOptions& t = o.timeline;
  if (f.cache_mb < 0 || f.cache_mb > (1L << 20))
    throw std::invalid_argument("--cache-mb must be from 0 to 1048576 MiB, got " +
                                std::to_string(f.cache_mb));
  t.cache_mb = static_cast<std::size_t>(f.cache_mb);
  if (!f.loop.empty()) {
    if (f.loop != "on" && f.loop != "off")
      throw std::invalid_argument("--loop must be on or off, got '" + f.loop + "'");
    t.loop = f.loop == "on";
  }
  if (app.count("--seek") && t.seek < 0)
    throw std::invalid_argument("--seek must be a frame number >= 0, got " +
                                std::to_string(t.seek));
  if (app.count("--pin") && t.pin < 0)
    throw std::invalid_argument("--pin must be a frame number >= 0, got " + std::to_string(t.pin));
  if (!f.ab.empty()) {
    const std::size_t comma = f.ab.find(',');
    if (comma == std::string::npos)
      throw std::invalid_argument("--ab needs two sides, BETA:DECODER,BETA:DECODER, got '" + f.ab +
                                  "'");
    t.a = parse_ab_side(f.ab.substr(0, comma));
    t.b = parse_ab_side(f.ab.substr(comma + 1));
  }
  if (!s.ab_sheet.empty() && !scripted)
    throw std::invalid_argument("--ab-sheet needs --frames (the window has a save sheet button)");
  // The one source-options path (app/common): the worker opens every later source (a drop,
  // the Open button) with these same options.
  f.source_args.seed = f.seed;
  f.source_args.synthetic_frames = scripted ? s.frames : -1;
  o.source_options = common::to_source_options(f.source_args);
  // A stream shows its newest frame (older waiting ones are skipped and counted).
  o.source_options.stream.newest_only = true;
  o.source_options.stream.allow_remote = listen_all;
}

}  // namespace

std::optional<int> parse_options(int argc, char** argv, ViewerOptions& out) {
  CLI::App app{"peakscope: watch soft-argmax decode keypoint heatmaps, live"};
  RawFlags f;
  add_flags(app, f, out);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (const std::string m = common::unknown_name_message(app, e); !m.empty()) {
      std::fprintf(stderr, "peakscope: %s\nRun with --help for more information.\n", m.c_str());
      return 2;
    }
    // CLI11 prints the usage message; every usage error (a bad number included) exits 2, as
    // peakscope-cli does.
    return app.exit(e) == 0 ? 0 : 2;
  }
  const bool scripted = app.count("--frames") > 0;
  out.settings_path = settings_path();
  std::string warn;
  if (!scripted) out.settings = load_settings(out.settings_path, &warn);
  if (!warn.empty()) std::fprintf(stderr, "peakscope: %s\n", warn.c_str());
  // Flags go through the same setters and parsers as the controls: one message each.
  try {
    apply_flags(app, f, scripted, out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peakscope: %s\nRun with --help for more information.\n", e.what());
    return 2;
  }
  return std::nullopt;
}

}  // namespace peakscope::viewer
