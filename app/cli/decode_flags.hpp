// The decode flags shared by `decode` and `sweep` (--beta/--betas, --normalize, --backend),
// their defaults (core/decode.hpp's kDefaultBeta, kDefaultNormalize) and the CLI's exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/common/source_options.hpp"
#include "core/decode.hpp"

namespace peakscope::cli {

// Exit codes of peakscope-cli (docs/cli.md lists them).
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;       // a file or device that cannot be read or decoded
inline constexpr int kExitUsage = 2;          // a bad flag or value (CLI11's errors too)
inline constexpr int kExitInterrupted = 130;  // SIGINT / SIGTERM

// A flag value found bad after parsing (e.g. --transform nope): exit kExitUsage.
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct DecodeFlags {
  double beta = kDefaultBeta;
  std::string normalize = kDefaultNormalize ? "max" : "none";
  std::string backend = "auto";
  bool normalize_on() const { return normalize == "max"; }
};

// Registers --normalize (max|none) and --backend (auto|gpu|cpu) checked by CLI11, and, when
// with_beta, --beta validated by parse_beta (its message; a bad value is a usage error).
void add_decode_flags(CLI::App& app, DecodeFlags& f, bool with_beta);

// "0.1,1,10" -> {0.1, 1, 10}, each through parse_beta; throws UsageError naming --betas and
// the bad item (or an empty list).
std::vector<double> parse_betas(const std::string& s);

// Opens the input with the source options; a bad option value becomes a UsageError, a bad
// input stays an io::SourceError naming the input.
std::unique_ptr<io::Source> open_input(const std::string& input, const common::SourceArgs& a);

}  // namespace peakscope::cli
