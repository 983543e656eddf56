// How the CLI writes a number into JSON, one rule for every document it writes (decode,
// sweep's auto_beta.json, accuracy): a finite double as the shortest text that reads back as
// the same double, and a value that is not finite as the string "nan", "inf" or "-inf", so
// +Inf stays apart from NaN and a reader gets all three back with float() / std::stod.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>

namespace peakscope::cli {

// The JSON value of v: a number when finite, else "nan", "inf" or "-inf".
inline nlohmann::ordered_json json_num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

}  // namespace peakscope::cli
