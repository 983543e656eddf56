// peakscope: the live viewer. GLFW window + Dear ImGui + one decoding engine (the GPU engine
// on the window's context, or the CPU engine where it cannot run or is slower).
//
// Scriptable: `peakscope --beta 50 --frames 60 --screenshot out.png [--sheet s.png]
// [--record out.mp4]` runs N frames, saves, and exits (settings are then neither loaded nor
// saved).
//
// GL comes from epoxy only: the target defines GLFW_INCLUDE_NONE, so the include order below
// (sorted by clang-format) never pulls in the system GL headers.
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <epoxy/gl.h>
#include <imgui.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/common/flags.hpp"
#include "app/common/source_options.hpp"
#include "app/viewer/viewer.hpp"

namespace {

using peakscope::viewer::Key;
// keys.hpp's Key values are GLFW's key codes.
static_assert(static_cast<int>(Key::kSpace) == GLFW_KEY_SPACE);
static_assert(static_cast<int>(Key::kPeriod) == GLFW_KEY_PERIOD);
static_assert(static_cast<int>(Key::k0) == GLFW_KEY_0 && static_cast<int>(Key::k9) == GLFW_KEY_9);
static_assert(static_cast<int>(Key::kA) == GLFW_KEY_A && static_cast<int>(Key::kB) == GLFW_KEY_B);
static_assert(static_cast<int>(Key::kC) == GLFW_KEY_C && static_cast<int>(Key::kG) == GLFW_KEY_G);
static_assert(static_cast<int>(Key::kH) == GLFW_KEY_H && static_cast<int>(Key::kL) == GLFW_KEY_L);
static_assert(static_cast<int>(Key::kM) == GLFW_KEY_M && static_cast<int>(Key::kN) == GLFW_KEY_N);
static_assert(static_cast<int>(Key::kR) == GLFW_KEY_R && static_cast<int>(Key::kS) == GLFW_KEY_S);
static_assert(static_cast<int>(Key::kV) == GLFW_KEY_V);
static_assert(static_cast<int>(Key::kRight) == GLFW_KEY_RIGHT &&
              static_cast<int>(Key::kLeft) == GLFW_KEY_LEFT);
static_assert(static_cast<int>(Key::kUp) == GLFW_KEY_UP &&
              static_cast<int>(Key::kDown) == GLFW_KEY_DOWN);
static_assert(static_cast<int>(Key::kF1) == GLFW_KEY_F1);

std::vector<std::string> g_dropped;
std::vector<std::pair<int, bool>> g_keys;  // presses and repeats, with Shift
GLFWkeyfun g_imgui_key_cb = nullptr;

void on_key(GLFWwindow* w, int key, int scancode, int action, int mods) {
  if (g_imgui_key_cb) g_imgui_key_cb(w, key, scancode, action, mods);  // ImGui's own state
  if (action == GLFW_PRESS || action == GLFW_REPEAT)
    g_keys.emplace_back(key, (mods & GLFW_MOD_SHIFT) != 0);
}

std::atomic<bool> g_quit{false};
void on_signal(int) {
  g_quit = true;
}  // SIGINT / SIGTERM: close normally, save settings, finish a recording

void on_drop(GLFWwindow*, int n, const char** paths) {
  for (int i = 0; i < n; ++i) g_dropped.emplace_back(paths[i]);
}

void on_glfw_error(int code, const char* msg) {
  std::fprintf(stderr, "peakscope: GLFW error %d: %s\n", code, msg);
}

// A window with the newest context we can get: 4.3 core (compute), else 3.3 core (the CPU
// engine decodes, the views still draw), else whatever the driver gives.
GLFWwindow* open_window(int w, int h, bool visible) {
  glfwWindowHint(GLFW_VISIBLE, visible ? GLFW_TRUE : GLFW_FALSE);
  const int versions[][2] = {{4, 3}, {3, 3}};
  for (const auto& v : versions) {
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, v[0]);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, v[1]);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    if (GLFWwindow* win = glfwCreateWindow(w, h, "peakscope", nullptr, nullptr)) return win;
  }
  glfwDefaultWindowHints();
  glfwWindowHint(GLFW_VISIBLE, visible ? GLFW_TRUE : GLFW_FALSE);
  return glfwCreateWindow(w, h, "peakscope", nullptr, nullptr);
}

nlohmann::json report_json(const peakscope::viewer::Viewer& v, double median_ms) {
  using namespace peakscope;
  const viewer::ViewerState& st = v.state();
  nlohmann::json j;
  j["frame_index"] = st.frame() ? st.frame()->index : -1;
  j["frames_shown"] = st.frames_shown();
  j["source"] = st.source_description();
  j["source_status"] = st.source_status();
  j["backend"] = backend_name(st.engine_kind());
  j["backend_description"] = st.engine_description();
  j["fallback_reason"] = st.engine_reason();
  j["scene_made_by_engine"] = v.scene_made_by_engine();
  j["beta"] = st.settings().beta();
  j["normalize"] = st.settings().normalize();
  j["channel"] = st.settings().channel();
  j["median_frame_ms"] = median_ms;
  j["map"] = {{"width", v.map_width()}, {"height", v.map_height()}, {"channels", st.channels()}};
  auto place = [](const viewer::ViewPlacement& p) {
    return nlohmann::json{{"origin_x", p.origin.x}, {"origin_y", p.origin.y}, {"zoom", p.zoom}};
  };
  j["heatmap_view"] = place(v.layout().heat);
  j["softmax_view"] = place(v.layout().soft);
  j["heatmap_view"]["image_width"] = v.textures().heat.width;
  j["softmax_view"]["image_width"] = v.textures().soft.width;
  nlohmann::json tiles = nlohmann::json::array();
  for (const viewer::TileOffset& t : v.textures().soft.tiles) tiles.push_back({t.x, t.y});
  j["softmax_view"]["tiles"] = tiles;
  const viewer::ViewLayout& l = v.layout();
  j["colorbar"] = {{"x0", l.colorbar_min.x},
                   {"y0", l.colorbar_min.y},
                   {"x1", l.colorbar_max.x},
                   {"y1", l.colorbar_max.y},
                   {"p_lo", v.textures().p_lo},
                   {"p_hi", v.textures().p_hi},
                   {"relative", v.textures().p_relative}};
  for (const Keypoint& k : st.keypoints())
    j["keypoints"].push_back({{"argmax_x", k.argmax_x},
                              {"argmax_y", k.argmax_y},
                              {"soft_x", k.soft_x},
                              {"soft_y", k.soft_y},
                              {"peak_probability", k.peak_probability}});
  j["error_history"] = std::vector<float>(st.error_history().begin(), st.error_history().end());
  j["curve"] = {{"frame_index", st.curve().frame_index},
                {"betas", st.curve().betas},
                {"values", st.curve().values},
                {"ground_truth", st.curve().ground_truth}};
  j["comparison"] = {{"ran", st.comparison().ran},
                     {"engine", st.comparison().engine},
                     {"diff_px", st.comparison().diff_px}};
  j["hover"] = l.hover;
  j["controls_overflow"] = l.controls_overflow;
  j["beta_plot"] = {{"x0", l.beta_plot_min.x},
                    {"y0", l.beta_plot_min.y},
                    {"x1", l.beta_plot_max.x},
                    {"y1", l.beta_plot_max.y}};
  // The decoding lab: each enabled decoder's point per channel (index pixels) and its curve.
  for (std::size_t c = 0; c < st.lab().points().size(); ++c) {
    nlohmann::json ch = nlohmann::json::object();
    for (DecoderKind k : kAllDecoders)
      if (st.lab().enabled(k)) {
        const DecodedPoint& p = st.lab().points()[c][viewer::decoder_index(k)];
        ch[decoder_name(k)] = {{"x", p.x}, {"y", p.y}, {"valid", p.valid}};
      }
    j["decoders"].push_back(ch);
  }
  for (const viewer::DecoderCurve& dc : st.lab().curves())
    j["decoder_curves"][decoder_name(dc.kind)] = {{"values", dc.values}, {"level", dc.level}};
  j["saved"] = st.last_saved();
  j["error"] = st.error();
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace peakscope;
  CLI::App app{"peakscope: watch soft-argmax decode keypoint heatmaps, live"};
  std::string source, screenshot, sheet, grid, report, record, backend, colormap, beta_text;
  std::vector<peakscope::DecoderKind> lab_decoders;  // --decoders
  std::string normalize, all_view, hold_text;
  std::vector<std::string> hide, press;
  std::vector<viewer::Key> pressed;
  std::vector<double> mouse;
  std::string sweep_text;
  double sweep_lo = 0, sweep_hi = 0;
  long frames = 0;
  int width = 1280, height = 800, channel = -2;
  unsigned long long seed = 1;
  bool show_frame = false;
  common::SourceArgs source_args;  // --transform, --model...: kept for every source opened
  char beta_help[160];
  std::snprintf(beta_help, sizeof beta_help, "inverse temperature in [%g, %g] (default %g)",
                kBetaMin, kBetaMax, kDefaultBeta);
  app.add_option(
      "source", source,
      "synthetic (default), camera:N, a video, an image, a folder or glob of images, a .npy stack");
  common::add_source_options(app, source_args);
  app.add_flag("--show-frame", show_frame, "left view shows the source frame with the markers");
  app.add_option("--beta", beta_text, beta_help);
  std::string decoders_text;
  bool gradient_view = false;
  app.add_option("--decoders", decoders_text,
                 "decoders to show beside argmax and soft-argmax: quarter,dark,dark-udp,window,"
                 "centroid,mediapipe,debiased or all");
  app.add_flag("--gradient", gradient_view, "open the soft-argmax gradient view");
  app.add_option("--normalize", normalize,
                 std::string("max | none (default ") + (kDefaultNormalize ? "max)" : "none)"))
      ->check(common::parsed_by(common::parse_normalize));
  app.add_option("--backend", backend, "auto | gpu | cpu")->check(common::parsed_by(parse_backend));
  app.add_option("--colormap", colormap, "jet | viridis | turbo | inferno | gray");
  app.add_option("--channel", channel, "channel to show, numbered from 0 (-1: all)");
  app.add_option("--all-channels", all_view, "all channels as: max | grid")
      ->check(common::parsed_by(viewer::parse_all_channels_view));
  common::add_list_option(app, "--hide-markers", hide, "argmax, softargmax and/or ground_truth")
      ->check(common::parsed_by(viewer::parse_marker));
  common::add_list_option(app, "--press", press,
                          "keys pressed before the first frame, e.g. L,2,F1 (scripted)");
  app.add_option("--mouse", mouse, "scripted: the pointer at window pixel X,Y (hover readouts)")
      ->delimiter(',')
      ->expected(2);
  app.add_option("--sweep-beta", sweep_text,
                 "LO:HI: beta swept log-uniformly over the --frames (e.g. with --record)");
  app.add_option("--hold", hold_text, "hold each frame (e.g. each image) at least this many s");
  app.add_option("--frames", frames, "run N frames, save what was asked, exit (scripted)");
  app.add_option("--screenshot", screenshot, "save the window as PNG at the end");
  app.add_option("--sheet", sheet, "save a comparison sheet PNG at the end");
  app.add_option("--beta-grid", grid, "save a beta-grid sheet PNG at the end");
  app.add_option("--record", record, "record the window to this .mp4 (with --frames)");
  app.add_option("--report", report,
                 "write a JSON report (keypoints, view placement, frame times)");
  app.add_option("--seed", seed, "synthetic scene seed");
  app.add_option("--width", width, "window width");
  app.add_option("--height", height, "window height");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the usage message; every usage error (a bad number included) exits 2, as
    // peakscope-cli does.
    return app.exit(e) == 0 ? 0 : 2;
  }

  const bool scripted = app.count("--frames") > 0;
  viewer::Settings settings;
  const std::string spath = viewer::settings_path();
  std::string warn;
  if (!scripted) settings = viewer::load_settings(spath, &warn);
  if (!warn.empty()) std::fprintf(stderr, "peakscope: %s\n", warn.c_str());
  io::SourceOptions so;
  // Flags go through the same setters and parsers as the controls: one message each.
  try {
    if (scripted && frames <= 0)
      throw std::invalid_argument("--frames must be > 0, got " + std::to_string(frames));
    if (!record.empty() && !scripted)
      throw std::invalid_argument("--record needs --frames (press V to record interactively)");
    if (app.count("--beta")) settings.set_beta(parse_beta(beta_text));
    if (!decoders_text.empty()) lab_decoders = parse_decoder_list(decoders_text);
    if (!normalize.empty()) settings.set_normalize(common::parse_normalize(normalize));
    if (!backend.empty()) settings.set_backend(parse_backend(backend));
    if (!colormap.empty()) settings.set_colormap(io::parse_colormap(colormap));
    if (channel != -2) settings.set_channel(channel);
    if (!all_view.empty())
      settings.set_all_channels_view(viewer::parse_all_channels_view(all_view));
    if (!hold_text.empty()) {
      char* end = nullptr;
      const double hold = std::strtod(hold_text.c_str(), &end);
      if (end == hold_text.c_str() || *end)
        throw std::invalid_argument("--hold must be a number of seconds, got '" + hold_text + "'");
      settings.set_hold_s(hold);
    }
    if (app.count("source")) settings.set_source(source);
    for (const std::string& k : press) pressed.push_back(viewer::parse_key(k));
    if (!sweep_text.empty()) {
      const std::size_t colon = sweep_text.find(':');
      if (!scripted || colon == std::string::npos)
        throw std::invalid_argument("--sweep-beta needs --frames and LO:HI, got '" + sweep_text +
                                    "'");
      sweep_lo = parse_beta(sweep_text.substr(0, colon));
      sweep_hi = parse_beta(sweep_text.substr(colon + 1));
    }
    for (const std::string& m : hide) settings.set_marker_visible(viewer::parse_marker(m), false);
    // The one source-options path (app/common): the worker opens every later source (a drop,
    // the Open button) with these same options.
    source_args.seed = seed;
    source_args.synthetic_frames = scripted ? frames : -1;
    so = common::to_source_options(source_args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peakscope: %s\nRun with --help for more information.\n", e.what());
    return 2;
  }

  std::unique_ptr<io::Source> src;
  std::string source_error;
  try {
    src = io::open_source(settings.source(), so);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peakscope: %s\n", e.what());
    if (scripted) return 1;
    source_error = std::string(e.what()) + " (showing the synthetic scene)";
    src = io::make_synthetic_source({});  // the viewer keeps running on the default
  }

  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    std::fprintf(stderr, "peakscope: cannot initialise GLFW (is there a display? DISPLAY=%s)\n",
                 std::getenv("DISPLAY") ? std::getenv("DISPLAY") : "");
    return 1;
  }
  GLFWwindow* win = open_window(width, height, true);
  if (!win) {
    std::fprintf(stderr, "peakscope: cannot open an OpenGL window\n");
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(win);
  glfwSwapInterval(scripted ? 0 : 1);
  glfwSetDropCallback(win, on_drop);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  ImGui::StyleColorsDark();
  ImGui_ImplGlfw_InitForOpenGL(win, true);
  g_imgui_key_cb = glfwSetKeyCallback(win, on_key);  // chain: ImGui's callback, then ours
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  int rc = 0;
  {
    std::unique_ptr<viewer::Viewer> v;
    try {
      viewer::ViewerState state(settings);
      state.set_show_frame(show_frame);
      for (DecoderKind k : lab_decoders) state.lab().set_enabled(k, true);
      state.lab().set_gradient_on(gradient_view);
      v = std::make_unique<viewer::Viewer>(std::move(state), scripted, std::move(src), so);
      if (!source_error.empty()) v->state().report_error(viewer::ErrorKind::kSource, source_error);
      if (scripted) v->set_frame_limit(frames);
      if (!record.empty()) v->start_recording(record);
      for (viewer::Key k : pressed) v->key_event(static_cast<int>(k), false);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "peakscope: cannot start the viewer: %s\n", e.what());
      rc = 1;
    }
    int settle = 0;
    while (v && !glfwWindowShouldClose(win) && !g_quit) {
      if (scripted && mouse.size() == 2) glfwSetCursorPos(win, mouse[0], mouse[1]);
      glfwPollEvents();
      for (const auto& [k, shift] : g_keys) v->key_event(k, shift);
      g_keys.clear();
      for (const std::string& p : g_dropped) v->open(p);
      g_dropped.clear();
      if (sweep_lo > 0) {  // the beta of the frame about to be shown
        const double t =
            frames > 1
                ? std::min(1.0, static_cast<double>(v->state().frames_shown()) / (frames - 1))
                : 0.0;
        v->state().set_beta(sweep_lo * std::pow(sweep_hi / sweep_lo, t));
      }
      int fbw = 0, fbh = 0;
      glfwGetFramebufferSize(win, &fbw, &fbh);
      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      ImGui::NewFrame();
      const bool more = v->frame(fbw, fbh, glfwGetTime());
      ImGui::Render();
      glViewport(0, 0, fbw, fbh);
      glClearColor(0.08f, 0.08f, 0.1f, 1);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
      const bool last = scripted && !more;
      if (last && settle++ < 1) {
        // Markers and views are laid out from the previous ImGui frame on the first pass,
        // so the final frame is drawn twice before saving (same frame, same decode; the
        // frame limit keeps a second frame from being taken).
        v->after_render(fbw, fbh);
        glfwSwapBuffers(win);
        continue;
      }
      if (last) {
        if (!screenshot.empty()) v->request_screenshot(screenshot);
        if (!sheet.empty()) v->request_sheet(sheet);
        if (!grid.empty()) v->request_beta_grid(grid);
      }
      v->after_render(fbw, fbh);
      glfwSwapBuffers(win);
      if (last) break;
    }
    if (v) {
      if (v->recording()) v->stop_recording();
      const viewer::ViewerState& st = v->state();
      if (!st.error().empty()) {
        std::fprintf(stderr, "peakscope: %s\n", st.error().c_str());
        if (scripted && st.error().find("cannot") != std::string::npos) rc = 1;
      }
      std::vector<double> ft = st.frame_times();
      std::sort(ft.begin(), ft.end());
      const double median_ms = ft.empty() ? 0 : ft[ft.size() / 2];
      if (scripted) {
        if (const std::string s = st.source_status(); !s.empty())
          std::fprintf(stderr, "peakscope: %s: %s\n", st.source_description().c_str(), s.c_str());
        std::fprintf(stderr, "peakscope: %ld frames, median frame time %.2f ms, %s\n",
                     st.frames_shown(), median_ms, st.engine_description().c_str());
      }
      if (!report.empty()) std::ofstream(report) << report_json(*v, median_ms).dump(2) << "\n";
      if (!scripted) {
        try {
          viewer::save_settings(spath, st.settings());
        } catch (const std::exception& e) {
          std::fprintf(stderr, "peakscope: %s\n", e.what());
        }
      }
    }
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(win);
  glfwTerminate();
  return rc;
}
