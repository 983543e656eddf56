// Number spelling shared by the CLI's CSV writers, so CSV and JSON agree digit for digit.
#pragma once

#include <charconv>
#include <cmath>
#include <string>

namespace peakscope::cli {

// The shortest text that reads back as the same double (what the JSON writer prints), empty
// for NaN / Inf (JSON's null).
inline std::string csv_num(double v) {
  if (!std::isfinite(v)) return {};
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace peakscope::cli
