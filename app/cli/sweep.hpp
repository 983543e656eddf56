// `peakscope-cli sweep`: the seed's four panels per beta, a beta grid per frame, sweep.csv.
#pragma once

#include <string>
#include <vector>

#include "app/cli/decode_flags.hpp"
#include "app/common/source_options.hpp"

namespace peakscope::cli {

struct SweepArgs {
  std::string input;
  common::SourceArgs src;
  DecodeFlags flags;  // its beta is unused: --betas
  std::vector<std::string> betas = {"0.1", "1", "10", "100", "1000"};  // --betas, as typed
  std::string out_dir;
  int channel = 0;         // channel drawn on the sheets (the CSV has all)
  long max_frames = -1;    // --max-frames N (>= 1) or all (-1)
  bool overwrite = false;  // --overwrite: replace a folder that is not empty
  std::string colormap = "jet";
  bool auto_beta = false;  // add the beta tuned on the ground truth (app/cli/auto_beta.hpp)
  bool allow_truncated = false;
  // The sheets (core/io/sheets.hpp): the softmax's colour scale, the size factor of panels,
  // markers and text, the file format, decoders marked beside argmax and soft-argmax, and
  // every channel (grid or max) instead of --channel on the per-beta sheets.
  std::string softmax_scale = "log";  // log | linear
  double sheet_scale = 1;             // (0, 8]
  std::string sheet_format = "png";   // png | svg
  std::string decoders;               // core/lab/decoder.hpp names, comma-separated; "all"
  std::string all_channels;           // empty (--channel only), "grid" or "max"
};

// Registers the subcommand's flags.
CLI::App* add_sweep_command(CLI::App& app, SweepArgs& a);

// Writes per frame a sheet per beta and a beta-grid sheet, and sweep.csv, into a folder built
// beside --out and put in its place when the sweep completes (core/io/output_file.hpp's
// OutputDir): the folder has this run's files only, or is left as it was. A folder that is
// not empty is refused unless --overwrite. Duplicate betas are swept once (with a note).
// Returns the exit code (1 with one line on a failure part-way, 128 + signal when
// interrupted; nothing written either way); throws UsageError for a bad flag value and
// std::exception for an input that cannot be opened.
int run_sweep(const SweepArgs& a);

}  // namespace peakscope::cli
