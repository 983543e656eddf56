// Command-line options shared by `decode` and `sweep`: the input and how it becomes heatmaps.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/io/source.hpp"

namespace peakscope::cli {

struct SourceArgs {
  std::string input;
  std::string transform = "intensity";
  std::string color = "0,0,255";  // B,G,R
  double color_sigma = 20;
  std::string templ;
  std::string model, model_size, model_mean = "0,0,0", layout = "nchw";
  double model_scale = 1.0 / 255;
  bool model_bgr = false;
  std::string camera_size;
  double camera_fps = 0;
  long synthetic_frames = 1;
  unsigned long long seed = 1;
};

// Registers the options on a subcommand.
void add_source_options(CLI::App* cmd, SourceArgs& a);
// Builds the SourceOptions; throws std::invalid_argument naming a bad value.
io::SourceOptions source_options(const SourceArgs& a);

// Progress on stderr when it is a terminal: "\r[=====     ] 12/40".
class Progress {
 public:
  explicit Progress(long total);
  void update(long done);
  void finish();

 private:
  long total_;
  bool tty_;
};

}  // namespace peakscope::cli
