// `peakscope-cli decode`: every frame and channel of an input to JSON or CSV.
#pragma once

#include <string>

#include "app/cli/decode_flags.hpp"
#include "app/cli/lab_flags.hpp"
#include "app/common/source_options.hpp"

namespace peakscope::cli {

struct DecodeArgs {
  std::string input;
  common::SourceArgs src;
  DecodeFlags flags;
  LabFlags lab;                  // --decoders, --coords and the refinements' parameters
  std::string format = "json";   // json | csv
  std::string out;               // empty: stdout
  bool allow_truncated = false;  // a source that ends short (a damaged video) still exits 0
  long max_frames = -1;          // --max-frames N (>= 1) or all (-1)
  bool frames_given = false;     // --frames was typed: it limits any source, not only synthetic
};

// Registers the subcommand's flags (input, source options, decode flags, --format, --out).
CLI::App* add_decode_command(CLI::App& app, DecodeArgs& a);

// Decodes every frame and channel; data to stdout or --out (see app/cli/output.hpp), messages
// to stderr. A failure after the output began (a bad frame, a source that ends short without
// --allow-truncated, SIGINT/SIGTERM) leaves --out as it was and stdout with a complete JSON
// document carrying "error" (CSV: nothing), prints one line naming the input and returns
// kExitBadInput or 128 + signal. Throws UsageError for a bad flag value and std::exception
// for an input that cannot be opened (nothing written then).
int run_decode(const DecodeArgs& a);

}  // namespace peakscope::cli
