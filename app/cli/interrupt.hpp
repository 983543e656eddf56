// SIGINT, SIGTERM, SIGHUP and SIGPIPE during a long command: the handler only records the
// signal; the command checks between frames, finishes its output as a failure (stdout still
// gets its complete JSON with "error"; --out is left unchanged, its temporary file removed)
// and exits 128 + signal (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 141 SIGPIPE). A second signal
// (not SIGPIPE) removes the temporary files and ends the process at once.
#pragma once

#include <string>

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

// "SIGINT", "SIGTERM", "SIGHUP", "SIGPIPE" or "a signal".
const char* signal_name(int sig);

// How a frame loop over `input` ended, decided once for decode and sweep. `error` and `code`
// come in holding a failure caught in the loop (or empty / 0) and leave holding the outcome:
// a signal wins (128 + signal, "interrupted by SIGINT after N frame(s)"); otherwise, when no
// failure was caught, no frames at all or a source that `stopped` short (its ended_short()
// text) without allow_truncated is bad input (1) with a message naming the input.
void end_of_run(const std::string& input, long frames, const std::string& stopped,
                bool allow_truncated, std::string& error, int& code);

}  // namespace peakscope::cli
