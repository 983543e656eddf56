// Viewer settings, persisted as JSON between runs ($XDG_CONFIG_HOME/peakscope/viewer.json,
// else ~/.config/peakscope/viewer.json). Scripted runs (--frames) neither load nor save them.
#pragma once

#include <string>

namespace peakscope::viewer {

struct Settings {
  double beta = 10.0;
  bool normalize = true;
  std::string colormap = "jet";
  bool log_softmax = true;
  int channel = -1;  // -1: all channels
  std::string backend = "auto";
  bool show_ground_truth = true;
  double fps = 60;
  std::string output_dir = ".";
  std::string source = "synthetic";
};

// Path of the settings file (it may not exist).
std::string settings_path();
// Loads settings; missing file -> defaults; a corrupt file -> defaults and *warning says why.
Settings load_settings(const std::string& path, std::string* warning);
// Saves; returns false and sets *error on failure.
bool save_settings(const std::string& path, const Settings& s, std::string* error);

}  // namespace peakscope::viewer
