// GL comes from epoxy only: the target defines GLFW_INCLUDE_NONE, so the include order below
// (sorted by clang-format) never pulls in the system GL headers.
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <epoxy/gl.h>
#include <imgui.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "app/viewer/app_window.hpp"
#include "app/viewer/viewer.hpp"

namespace peakscope::viewer {
namespace {

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
static_assert(static_cast<int>(Key::kO) == GLFW_KEY_O);
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

}  // namespace

AppWindow::AppWindow(int width, int height, bool scripted) {
  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    std::fprintf(stderr, "peakscope: cannot initialise GLFW (is there a display? DISPLAY=%s)\n",
                 std::getenv("DISPLAY") ? std::getenv("DISPLAY") : "");
    return;
  }
  glfw_ = true;
  win_ = open_window(width, height, true);
  if (!win_) {
    std::fprintf(stderr, "peakscope: cannot open an OpenGL window\n");
    return;
  }
  glfwMakeContextCurrent(win_);
  glfwSwapInterval(scripted ? 0 : 1);
  glfwSetDropCallback(win_, on_drop);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;
  ImGui::StyleColorsDark();
  ImGui_ImplGlfw_InitForOpenGL(win_, true);
  g_imgui_key_cb = glfwSetKeyCallback(win_, on_key);  // chain: ImGui's callback, then ours
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  ImGui_ImplOpenGL3_Init("#version 330 core");
}

AppWindow::~AppWindow() {
  if (win_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(win_);
  }
  if (glfw_) glfwTerminate();
}

bool AppWindow::should_close() const {
  return glfwWindowShouldClose(win_) || g_quit;
}

void AppWindow::set_pointer(double x, double y) {
  glfwSetCursorPos(win_, x, y);
}

void AppWindow::poll(Viewer& v) {
  glfwPollEvents();
  for (const auto& [k, shift] : g_keys) v.key_event(k, shift);
  g_keys.clear();
  for (const std::string& p : g_dropped) v.open(p);
  g_dropped.clear();
}

void AppWindow::set_ui_scale(double scale) {
  float s = static_cast<float>(scale);
  if (s <= 0) {
    float sx = 1, sy = 1;
    glfwGetWindowContentScale(win_, &sx, &sy);
    s = std::max(sx, sy) > 0 ? std::max(sx, sy) : 1.0f;
  }
  pending_ = std::clamp(s, 0.5f, 4.0f);
}

void AppWindow::begin_frame(int& w, int& h) {
  // A new scale: the default font rasterised at 13 px times it (sharp, not stretched) and the
  // style's sizes scaled from the unscaled style. Between frames, so no draw data holds the old
  // font texture.
  glfwGetFramebufferSize(win_, &w, &h);
  ImGui_ImplOpenGL3_NewFrame();  // creates the device objects on the first frame
  if (pending_ != ui_scale_) {
    ImGuiIO& io = ImGui::GetIO();
    if (!base_style_) base_style_ = std::make_unique<ImGuiStyle>(ImGui::GetStyle());
    ImGui::GetStyle() = *base_style_;
    ImGui::GetStyle().ScaleAllSizes(pending_);
    io.Fonts->Clear();
    ImFontConfig cfg;
    cfg.SizePixels = std::round(13.0f * pending_);
    io.Fonts->AddFontDefault(&cfg);
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
    ui_scale_ = pending_;
  }
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

void AppWindow::render(int w, int h) {
  ImGui::Render();
  glViewport(0, 0, w, h);
  glClearColor(0.08f, 0.08f, 0.1f, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void AppWindow::swap() {
  glfwSwapBuffers(win_);
}

double AppWindow::time() const {
  return glfwGetTime();
}

}  // namespace peakscope::viewer
