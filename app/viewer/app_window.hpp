// The viewer's window: GLFW with the newest OpenGL context it can get, Dear ImGui on it (the
// GLFW and OpenGL3 backends), and the events the main loop hands to the Viewer: keys (after
// ImGui has seen them), dropped files, and SIGINT/SIGTERM, which close the window normally
// (settings saved, a recording finished). One per process, on the main thread.
#pragma once

#include <memory>

struct GLFWwindow;
struct ImGuiStyle;

namespace peakscope::viewer {

class Viewer;

class AppWindow {
 public:
  // Initialises GLFW and opens a visible w x h window with its context current, then ImGui.
  // On failure prints why ("peakscope: cannot ...") and ok() is false.
  // `scripted`: no vsync (a scripted run renders as fast as it decodes).
  AppWindow(int width, int height, bool scripted);
  // Shuts ImGui and GLFW down: destroy everything holding GL objects (the Viewer) first.
  ~AppWindow();
  AppWindow(const AppWindow&) = delete;
  AppWindow& operator=(const AppWindow&) = delete;

  bool ok() const { return win_ != nullptr; }
  // True once the window was closed or a SIGINT/SIGTERM arrived.
  bool should_close() const;
  // Moves the pointer to window pixel (x, y) (a scripted --mouse).
  void set_pointer(double x, double y);
  // Polls the events and hands the keys and dropped files since the last call to `v`.
  void poll(Viewer& v);
  // The UI scale (fonts and spacing) from the next frame on: `scale` (Settings::ui_scale), or
  // for 0 the monitor's content scale (glfwGetWindowContentScale; 1 where unknown).
  void set_ui_scale(double scale);
  // Starts an ImGui frame; the framebuffer's size in pixels through w, h.
  void begin_frame(int& w, int& h);
  // Renders the ImGui frame into the cleared back buffer of w x h pixels.
  void render(int w, int h);
  void swap();
  // Seconds since GLFW started.
  double time() const;

 private:
  GLFWwindow* win_ = nullptr;
  bool glfw_ = false;
  float ui_scale_ = 0;                      // the scale applied (0: none yet)
  float pending_ = 1;                       // the scale asked for
  std::unique_ptr<ImGuiStyle> base_style_;  // the style before any scaling
};

}  // namespace peakscope::viewer
