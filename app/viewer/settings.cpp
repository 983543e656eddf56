#include "app/viewer/settings.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace peakscope::viewer {

std::string settings_path() {
  namespace fs = std::filesystem;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    return (fs::path(x) / "peakscope" / "viewer.json").string();
  if (const char* h = std::getenv("HOME"); h && *h)
    return (fs::path(h) / ".config" / "peakscope" / "viewer.json").string();
  return "peakscope-viewer.json";
}

Settings load_settings(const std::string& path, std::string* warning) {
  Settings s;
  std::ifstream in(path);
  if (!in) return s;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    s.beta = j.value("beta", s.beta);
    s.normalize = j.value("normalize", s.normalize);
    s.colormap = j.value("colormap", s.colormap);
    s.log_softmax = j.value("log_softmax", s.log_softmax);
    s.channel = j.value("channel", s.channel);
    s.backend = j.value("backend", s.backend);
    s.show_ground_truth = j.value("show_ground_truth", s.show_ground_truth);
    s.fps = j.value("fps", s.fps);
    s.output_dir = j.value("output_dir", s.output_dir);
    s.source = j.value("source", s.source);
    if (!(s.beta > 0) || s.beta > 1e30) s.beta = Settings{}.beta;
  } catch (const std::exception& e) {
    if (warning) *warning = "ignored settings " + path + ": " + e.what();
    return Settings{};
  }
  return s;
}

bool save_settings(const std::string& path, const Settings& s, std::string* error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const nlohmann::json j = {{"beta", s.beta},
                            {"normalize", s.normalize},
                            {"colormap", s.colormap},
                            {"log_softmax", s.log_softmax},
                            {"channel", s.channel},
                            {"backend", s.backend},
                            {"show_ground_truth", s.show_ground_truth},
                            {"fps", s.fps},
                            {"output_dir", s.output_dir},
                            {"source", s.source}};
  std::ofstream out(path);
  if (!(out << j.dump(2) << "\n")) {
    if (error) *error = "cannot write settings " + path;
    return false;
  }
  return true;
}

}  // namespace peakscope::viewer
