// The decode flags shared by `decode` and `sweep` (--beta/--betas, --normalize, --backend),
// their defaults (core/decode.hpp's kDefaultBeta, kDefaultNormalize) and the CLI's exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/common/flags.hpp"
#include "app/common/source_options.hpp"
#include "core/decode.hpp"
#include "core/engine/select_engine.hpp"

namespace peakscope::cli {

// Exit codes of peakscope-cli (docs/cli.md lists them).
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;       // a file or device that cannot be read or decoded
inline constexpr int kExitUsage = 2;          // a bad flag or value (CLI11's errors too)
inline constexpr int kExitInterrupted = 130;  // SIGINT; any signal N: 128 + N

// A flag value found bad after parsing (e.g. --transform nope): exit kExitUsage.
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct DecodeFlags {
  double beta = kDefaultBeta;
  std::string normalize;  // max | none; empty: not given (common::resolve_normalize)
  std::string backend = "auto";
  bool verbose = false;  // -v: say which engine runs and why, whatever --backend
  // The normalise in force for inputs opened with `src`: --normalize when given, else max,
  // or none for a source of logits (--pose; docs/conventions.md#logits).
  bool normalize_on(const common::SourceArgs& src) const {
    return common::resolve_normalize(normalize, src);
  }
};

// Registers --normalize (max|none, common::parse_normalize), --backend (auto|gpu|cpu,
// parse_backend) checked by CLI11 with their parsers' messages, -v/--verbose, and, when
// with_beta, --beta validated by parse_beta (its message; a bad value is a usage error).
void add_decode_flags(CLI::App& app, DecodeFlags& f, bool with_beta);

// Registers --max-frames N|all (a count from 1, or all: -1) bound to `max_frames`.
void add_max_frames_option(CLI::App& app, long& max_frames);

// The engine for --backend (core/engine/select_engine.hpp). Why it is not the one asked for
// (no EGL, a software rasteriser, PEAKSCOPE_BACKEND=cpu) and a GPU failure part-way are said
// on stderr, once, only where that matters: with --backend gpu, or with --verbose (which also
// prints --backend auto's measurements). With auto the choice is otherwise silent; the JSON
// still names the backend of every frame and the fallback's reason.
EngineChoice choose_engine(const DecodeFlags& f);

// The items of a --betas list ({"0.1", "1", "10"}), each through parse_beta; throws UsageError
// naming `flag` and the bad item, or, unless empty_ok, an empty list.
std::vector<double> parse_betas(const std::vector<std::string>& items, const char* flag = "--betas",
                                bool empty_ok = false);

// `values` with repeats dropped (the first of each kept, order kept), so that --betas 1,1,1
// sweeps beta 1 once; a note on stderr names the flag and each value given more than once.
std::vector<double> merge_duplicate_betas(const std::vector<double>& values, const char* flag);

// Opens the input with the source options; a bad option value becomes a UsageError, a bad
// input stays an io::SourceError naming the input.
std::unique_ptr<io::Source> open_input(const std::string& input, const common::SourceArgs& a);

}  // namespace peakscope::cli
