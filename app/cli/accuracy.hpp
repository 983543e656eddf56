// `peakscope-cli accuracy`: a built-in study of every decoder on synthetic maps with known
// sub-pixel centres: mean and 95th-percentile error per decoder and per (size, sigma, noise)
// cell, soft-argmax at several betas and at its auto-tuned beta; a table and JSON.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace peakscope::cli {

struct AccuracyArgs {
  long peaks = 10000;  // peaks (maps) per cell
  // The lists as typed, one string per item (comma-separated on the command line).
  std::vector<std::string> sizes = {"64x48", "256x256"};            // W x H of the maps
  std::vector<std::string> sigmas = {"1", "2", "3"};                // Gaussian sigma, pixels
  std::vector<std::string> noises = {"0", "0.05"};                  // std. dev. of added noise
  std::vector<std::string> betas = {"1", "10", "20", "50", "200"};  // soft-argmax and window
  std::vector<std::string> debiased_betas = {"1", "10", "20"};
  std::string decoders = "all";    // parse_decoder_list's grammar (names or all)
  std::string normalize = "none";  // none: the map as is (peak <= 1); max: x / max(x) first
  double margin = 10;              // centres uniform in [margin, W - 1 - margin] (and y)
  int tune_maps = 500;             // maps of the separate set the auto-tune runs on (at most)
  std::uint64_t seed = 1;
  int threads = 0;               // 0: all hardware threads
  std::string format = "table";  // table | json (stdout)
  std::string json;              // also write the JSON here
};

CLI::App* add_accuracy_command(CLI::App& app, AccuracyArgs& a);

// Runs the study; the table or JSON to stdout, the JSON also to --json. Returns the exit code;
// throws UsageError for a bad flag value.
int run_accuracy(const AccuracyArgs& a);

}  // namespace peakscope::cli
