// SIGINT / SIGTERM during a long command: the handler only records the signal; the command
// checks between frames, finishes its output as a failure and exits 128 + signal (130 for
// SIGINT).
#pragma once

namespace peakscope::cli {

class InterruptGuard {
 public:
  // Installs the handlers (restored by the destructor). One guard at a time.
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // The signal received since the guard was installed, 0 when none.
  static int signal();
};

// "SIGINT", "SIGTERM" or "signal N".
const char* signal_name(int sig);

}  // namespace peakscope::cli
