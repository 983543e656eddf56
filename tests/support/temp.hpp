// Temporary file names for tests: unique per process (several checkouts may run the suite on
// one machine at once, and ctest runs tests in parallel), so a test only ever sees its own.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace peakscope::testing {

// <temp dir>/peakscope_<pid>_<name>. Callers keep `name` unique within their test binary.
inline std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("peakscope_" + std::to_string(getpid()) + "_" + name);
}

}  // namespace peakscope::testing
