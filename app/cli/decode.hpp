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
  LabFlags lab;                 // --decoders, --coords and the refinements' parameters
  std::string format = "json";  // json | csv
  std::string out;              // empty: stdout
};

// Registers the subcommand's flags (input, source options, decode flags, --format, --out).
CLI::App* add_decode_command(CLI::App& app, DecodeArgs& a);

// Decodes every frame and channel; data to stdout or --out, messages to stderr. Returns the
// exit code; throws UsageError for a bad flag value and std::exception for bad input.
int run_decode(const DecodeArgs& a);

}  // namespace peakscope::cli
