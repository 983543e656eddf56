// `peakscope-cli decode` and `peakscope-cli sweep`.
#pragma once

#include <string>
#include <vector>

#include "app/cli/source_args.hpp"

namespace peakscope::cli {

struct DecodeArgs {
  SourceArgs src;
  double beta = 1.0;
  std::string normalize = "none";  // max | none
  std::string backend = "auto";
  std::string format = "json";  // json | csv
  std::string out;              // empty: stdout
};
// Decodes every frame and channel; data to stdout or --out, messages to stderr. Exit code.
int run_decode(const DecodeArgs& a);

struct SweepArgs {
  SourceArgs src;
  std::string betas = "0.1,1,10,100,1000";
  std::string normalize = "none";
  std::string backend = "auto";
  std::string out_dir;
  int channel = 0;       // channel drawn on the sheets (the CSV has all)
  long max_frames = -1;  // -1: all
  std::string colormap = "jet";
};
// Writes per frame a sheet per beta and a beta-grid sheet, and sweep.csv. Exit code.
int run_sweep(const SweepArgs& a);

// "0.1,1,10" -> {0.1, 1, 10}; throws std::invalid_argument naming a bad or non-positive value.
std::vector<double> parse_betas(const std::string& s);

}  // namespace peakscope::cli
