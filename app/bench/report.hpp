// peakscope-bench's output, read from a BenchReport (app/bench/bench_results.hpp): the human
// tables, the --json document, and the --check verdict.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "app/bench/bench_results.hpp"

namespace peakscope::bench {

// Two tables: the cases (medians in us, n/a where not measured), then the decoding lab.
void print_table(const BenchReport& r, std::FILE* out);

// One JSON document: {"device", "beta", "cpu", "timer_queries", "cases": [...], "lab": [...]},
// times in us, null where not measured (scripts/bench-gpu and docs read these keys).
void print_json(const BenchReport& r, std::FILE* out);

// Every case and lab row whose GPU-CPU difference is missing or above tolerance_px, one
// message each ("17x64x48 f32: GPU-CPU 0.2 px > 0.001"); empty when all agree. No case at
// all is a failure too.
std::vector<std::string> agreement_failures(const BenchReport& r, double tolerance_px);

}  // namespace peakscope::bench
