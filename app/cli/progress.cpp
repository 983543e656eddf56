#include "app/cli/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace peakscope::cli {

Progress::Progress(long total) : total_(total), tty_(isatty(2) != 0) {}

void Progress::update(long done) {
  if (!tty_) return;
  if (total_ > 0) {
    const int filled = static_cast<int>(std::min(30.0, 30.0 * done / total_));
    std::fprintf(stderr, "\r[%.*s%*s] %ld/%ld", filled,
                 "==============================", 30 - filled, "", done, total_);
  } else {
    std::fprintf(stderr, "\r%ld frames", done);
  }
}

void Progress::finish() {
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace peakscope::cli
