// Number spelling shared by the CLI's CSV writers, so CSV and JSON agree character for
// character (app/cli/json_number.hpp).
#pragma once

#include <cmath>
#include <string>

#include "app/cli/json_number.hpp"

namespace peakscope::cli {

// The text the JSON writer prints for v: the shortest text that reads back as the same double
// (nlohmann's spelling, e.g. "100.0", "0.1", "1e-05"), and nan, inf or -inf (the JSON's
// strings, unquoted) for a value that is not finite.
inline std::string csv_num(double v) {
  if (!std::isfinite(v)) return json_num(v).get<std::string>();
  return nlohmann::ordered_json(v).dump();
}

}  // namespace peakscope::cli
