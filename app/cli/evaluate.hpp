// `peakscope-cli evaluate`: decoders against ground truth on real data (--ground-truth FILE):
// per keypoint and decoder the mean and median error and PCK@t, written as evaluate.json,
// evaluate.csv and a table sheet evaluate.png (docs/ground-truth.md, docs/cli.md).
#pragma once

#include <string>
#include <vector>

#include "app/cli/decode_flags.hpp"
#include "app/cli/lab_flags.hpp"
#include "app/common/source_options.hpp"

namespace peakscope::cli {

struct EvaluateArgs {
  std::string input;
  common::SourceArgs src;          // --ground-truth is required
  DecodeFlags flags;               // --beta: the beta unless --betas
  LabFlags lab;                    // --decoders (default argmax,softargmax) and their parameters
  std::vector<std::string> betas;  // --betas, as typed; empty: --beta
  std::vector<std::string> pck;    // --pck thresholds; empty: the norm's defaults
  std::string pck_norm = "auto";   // auto | bbox | image | head | px
  std::string out_dir;
  bool overwrite = false;
  long max_frames = -1;
  bool auto_beta = false;     // add the beta tuned on the ground truth
  bool per_keypoint = false;  // with --auto-beta: one beta per keypoint
  bool allow_truncated = false;
};

CLI::App* add_evaluate_command(CLI::App& app, EvaluateArgs& a);

// Decodes every frame with ground truth, writes the report folder (whole or not at all, as
// sweep's) and prints a summary line per method on stderr. Returns the exit code; throws
// UsageError for a bad flag and std::exception for an input or file that cannot be read.
int run_evaluate(const EvaluateArgs& a);

}  // namespace peakscope::cli
