#include "app/bench/bench_options.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <limits>

#include "core/decode.hpp"

namespace peakscope::bench {

std::optional<int> parse_options(int argc, char** argv, BenchOptions& o) {
  CLI::App app{"peakscope-bench: headless GPU benchmark", "peakscope-bench"};
  app.footer(
      "Medians per case: GPU kernel on device-resident data (timer queries, GB/s), host-frame\n"
      "round trip, the same from a frame written into the staging slot (in slot), transfer\n"
      "floor (staging -> device copy) and both ratios, GPU-made scene + decode per frame, CPU\n"
      "engine; then the decoding lab (beta grid, window decoders) on the GPU and CPU engines.\n"
      "n/a (null in --json) where a figure cannot be measured.");
  app.add_flag("--json", o.json, "print one JSON document instead of the tables");
  app.add_option("--beta", o.beta, "the decode's beta")->capture_default_str();
  app.add_option("--budget", o.budget_s,
                 "seconds spent timing each figure (at least 5 repetitions, at most --reps)")
      ->capture_default_str();
  app.add_option("--reps", o.reps, "at most N timed repetitions per figure")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()).description("POSITIVE"))
      ->capture_default_str();
  app.add_option("--max-pixels", o.max_pixels,
                 "skip the cases with more than N pixels x channels (default: none)");
  app.add_option("--case", o.only, "keep the cases whose name contains TEXT");
  char check_help[96];
  std::snprintf(check_help, sizeof check_help,
                "exit 1 unless every GPU-CPU difference (cases, lab) is within %g px",
                kCheckTolerancePx);
  app.add_flag("--check", o.check, check_help);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the help or the usage error; every usage error exits 2.
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (auto p = beta_problem(o.beta); !p.empty()) {
    std::fprintf(stderr, "peakscope-bench: --beta: %s\n", p.c_str());
    return 2;
  }
  return std::nullopt;
}

}  // namespace peakscope::bench
