// peakscope-bench: headless GPU benchmark. Links only core and core/gpu (EGL, GL, epoxy,
// Highway): no OpenCV, no GLFW, so it runs on a bare GPU machine with the GL dispatch
// libraries beside it (scripts/bench-gpu --prepare-device).
//
// Per case (app/bench/bench_maps.hpp), medians of the GPU kernel on the frame resident in
// device memory, the host-frame round trip, the same streamed and from the staging slot, the
// transfer floor and the ratios to it, the GPU-made scene + decode, and the CPU engine; then
// the decoding lab on the GPU and CPU engines. Each figure is described in
// app/bench/bench_results.hpp, measured in app/bench/measure.cpp and app/bench/lab_bench.cpp,
// printed by app/bench/report.cpp.
//
// Exit codes: 0 done, 1 --check found a GPU-CPU difference above kCheckTolerancePx (or none),
// 2 a bad flag or value.
#include <cstdio>
#include <string>
#include <vector>

#include "app/bench/bench_options.hpp"
#include "app/bench/measure.hpp"
#include "app/bench/report.hpp"

int main(int argc, char** argv) {
  using namespace peakscope::bench;
  BenchOptions o;
  if (const auto rc = parse_options(argc, argv, o)) return *rc;
  const BenchReport report = run_bench(o);
  if (o.json)
    print_json(report, stdout);
  else
    print_table(report, stdout);
  if (!o.check) return 0;
  const std::vector<std::string> failures = agreement_failures(report, kCheckTolerancePx);
  for (const std::string& f : failures)
    std::fprintf(stderr, "peakscope-bench: --check: %s\n", f.c_str());
  return failures.empty() ? 0 : 1;
}
