// peakscope-bench's command line.
#pragma once

#include <optional>
#include <string>

namespace peakscope::bench {

// The GPU-CPU agreement --check demands, in pixels.
constexpr double kCheckTolerancePx = 1e-3;

struct BenchOptions {
  bool json = false;    // the JSON document instead of the tables
  bool check = false;   // exit 1 unless every GPU-CPU agreement is within kCheckTolerancePx
  double beta = 100;    // the decode's beta
  double budget_s = 1;  // seconds per figure (at least 5 repetitions each)
  int reps = 200;       // at most this many repetitions per figure
  long long max_pixels = 1LL << 40;  // skip cases with more pixels x channels
  std::string only;                  // keep the cases whose name contains this ("" all)
};

// Parses argv into o. Returns the exit code when the program should stop here: 0 after
// --help, 2 after a usage error (unknown flag, bad number, beta out of range; the message
// is printed).
std::optional<int> parse_options(int argc, char** argv, BenchOptions& o);

}  // namespace peakscope::bench
