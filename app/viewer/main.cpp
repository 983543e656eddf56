// peakscope: the live viewer. GLFW window + Dear ImGui + the GPU engine on the window's
// context (CPU engine where the GPU path cannot run).
//
// Scriptable: `peakscope --beta 50 --frames 60 --screenshot out.png [--sheet s.png]` runs N
// frames, saves, and exits (settings are then neither loaded nor saved).
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
#include <csignal>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/common/source_options.hpp"
#include "app/viewer/viewer.hpp"

namespace {

std::vector<std::string> g_dropped;
std::vector<int> g_keys;  // presses and repeats, for the viewer's shortcuts
GLFWkeyfun g_imgui_key_cb = nullptr;

void on_key(GLFWwindow* w, int key, int scancode, int action, int mods) {
  if (g_imgui_key_cb) g_imgui_key_cb(w, key, scancode, action, mods);  // ImGui's own state
  if (action == GLFW_PRESS || action == GLFW_REPEAT) g_keys.push_back(key);
}

std::atomic<bool> g_quit{false};
void on_signal(int) {
  g_quit = true;
}  // SIGINT / SIGTERM: close normally, save settings

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

}  // namespace

int main(int argc, char** argv) {
  using namespace peakscope;
  CLI::App app{"peakscope: watch soft-argmax decode keypoint heatmaps, live"};
  std::string source = "synthetic", screenshot, sheet, grid, report, backend, colormap;
  double beta = -1;
  long frames = -1;
  int width = 1280, height = 800, channel = -2;
  std::string normalize;
  unsigned long long seed = 1;
  bool show_frame = false;
  common::SourceArgs source_args;  // --transform, --model...: kept for every source opened
  app.add_option(
      "source", source,
      "synthetic (default), camera:N, a video, an image, a folder or glob of images, a .npy stack");
  common::add_source_options(app, source_args);
  app.add_flag("--show-frame", show_frame, "left view shows the source frame with the markers");
  app.add_option("--beta", beta, "inverse temperature (> 0)");
  app.add_option("--normalize", normalize, "max | none")->check(CLI::IsMember({"max", "none"}));
  app.add_option("--backend", backend, "auto | gpu | cpu")
      ->check(CLI::IsMember({"auto", "gpu", "cpu"}));
  app.add_option("--colormap", colormap, "jet | viridis | turbo | inferno | gray");
  app.add_option("--channel", channel, "channel to show (-1: all)");
  app.add_option("--frames", frames, "run N frames, save what was asked, exit (scripted)");
  app.add_option("--screenshot", screenshot, "save the window as PNG at the end");
  app.add_option("--sheet", sheet, "save a comparison sheet PNG at the end");
  app.add_option("--beta-grid", grid, "save a beta-grid sheet PNG at the end");
  app.add_option("--report", report,
                 "write a JSON report (keypoints, view placement, frame times)");
  app.add_option("--seed", seed, "synthetic scene seed");
  app.add_option("--width", width, "window width");
  app.add_option("--height", height, "window height");
  CLI11_PARSE(app, argc, argv);

  const bool scripted = frames > 0;
  viewer::Settings settings;
  const std::string spath = viewer::settings_path();
  std::string warn;
  if (!scripted) settings = viewer::load_settings(spath, &warn);
  if (!warn.empty()) std::fprintf(stderr, "peakscope: %s\n", warn.c_str());
  if (beta > 0)
    settings.beta = beta;
  else if (beta != -1) {
    std::fprintf(stderr, "peakscope: --beta must be finite and > 0, got %g\n", beta);
    return 2;
  }
  if (!normalize.empty()) settings.normalize = normalize == "max";
  if (!backend.empty()) settings.backend = backend;
  if (!colormap.empty()) {
    try {
      io::parse_colormap(colormap);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "peakscope: %s\n", e.what());
      return 2;
    }
    settings.colormap = colormap;
  }
  if (channel != -2) settings.channel = channel;
  if (app.count("source")) settings.source = source;

  std::unique_ptr<io::Source> src;
  std::string source_error;
  try {
    source_args.seed = seed;
    source_args.synthetic_frames = scripted ? frames : -1;
    src = common::open_source(settings.source, source_args);
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
      v = std::make_unique<viewer::Viewer>(settings, scripted, std::move(src));
      v->set_show_frame(show_frame);
      if (!source_error.empty()) v->set_error(source_error);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "peakscope: cannot start the viewer: %s\n", e.what());
      rc = 1;
    }
    long shown_target = scripted ? frames : -1;
    while (v && !glfwWindowShouldClose(win) && !g_quit) {
      glfwPollEvents();
      for (int k : g_keys) v->key_event(k);
      g_keys.clear();
      for (const std::string& p : g_dropped) v->open(p);
      g_dropped.clear();
      int fbw = 0, fbh = 0;
      glfwGetFramebufferSize(win, &fbw, &fbh);
      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      ImGui::NewFrame();
      const bool more = v->frame(fbw, fbh);
      ImGui::Render();
      glViewport(0, 0, fbw, fbh);
      glClearColor(0.08f, 0.08f, 0.1f, 1);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
      const bool last = !more || (scripted && v->frames_shown() >= shown_target);
      if (last && scripted) {
        // Markers and views are laid out from the previous ImGui frame on the first pass,
        // so the final frame is drawn twice before saving (same frame, same decode).
        static int settle = 0;
        if (settle++ < 1) {
          glfwSwapBuffers(win);
          continue;
        }
        if (!screenshot.empty()) v->request_screenshot(screenshot);
        if (!sheet.empty()) v->request_sheet(sheet);
        if (!grid.empty()) v->request_beta_grid(grid);
      }
      v->after_render(fbw, fbh);
      glfwSwapBuffers(win);
      if (last && scripted) break;
    }
    if (v) {
      if (!v->last_error().empty())
        std::fprintf(stderr, "peakscope: %s\n", v->last_error().c_str());
      if (scripted && !v->last_error().empty() &&
          v->last_error().find("cannot write") != std::string::npos)
        rc = 1;
      if (!v->fallback_reason().empty())
        std::fprintf(stderr, "peakscope: %s\n", v->fallback_reason().c_str());
      std::vector<double> ft = v->frame_times_ms();
      std::sort(ft.begin(), ft.end());
      const double median_ms = ft.empty() ? 0 : ft[ft.size() / 2];
      if (scripted)
        std::fprintf(stderr, "peakscope: %ld frames, median frame time %.2f ms, %s\n",
                     v->frames_shown(), median_ms, v->backend_line().c_str());
      if (!report.empty()) {
        nlohmann::json j;
        j["frame_index"] = v->frame_index();
        j["frames_shown"] = v->frames_shown();
        j["backend"] = v->on_gpu() ? "gpu" : "cpu";
        j["backend_description"] = v->backend_line();
        j["fallback_reason"] = v->fallback_reason();
        j["median_frame_ms"] = median_ms;
        j["map"] = {{"width", v->map_width()}, {"height", v->map_height()}};
        auto place = [](const viewer::ViewPlacement& p) {
          return nlohmann::json{
              {"origin_x", p.origin.x}, {"origin_y", p.origin.y}, {"zoom", p.zoom}};
        };
        j["heatmap_view"] = place(v->heat_view());
        j["softmax_view"] = place(v->soft_view());
        for (const Keypoint& k : v->keypoints())
          j["keypoints"].push_back({{"argmax_x", k.argmax_x},
                                    {"argmax_y", k.argmax_y},
                                    {"soft_x", k.soft_x},
                                    {"soft_y", k.soft_y},
                                    {"peak_probability", k.peak_probability}});
        j["saved"] = v->last_saved();
        std::ofstream(report) << j.dump(2) << "\n";
      }
      if (!scripted) {
        std::string err;
        if (!viewer::save_settings(spath, v->settings(), &err))
          std::fprintf(stderr, "peakscope: %s\n", err.c_str());
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
