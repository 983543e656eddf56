#include "app/cli/interrupt.hpp"

#include <unistd.h>

#include <csignal>

#include "app/cli/decode_flags.hpp"
#include "core/io/output_file.hpp"

namespace peakscope::cli {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
volatile std::sig_atomic_t g_signal = 0;
struct sigaction g_old[4];

extern "C" void on_signal(int sig) {
  // A second SIGINT / SIGTERM / SIGHUP while the first is being handled (a command stuck in
  // a read): the temporary files go and the process ends now. SIGPIPE repeats by itself on
  // every write to a closed pipe, so only the first one counts.
  if (g_signal != 0 && sig != SIGPIPE) {
    io::remove_live_temporaries();
    _exit(128 + g_signal);
  }
  if (g_signal == 0) g_signal = sig;
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_signal = 0;
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // blocking reads carry on; the loop checks between frames
  for (int i = 0; i < 4; ++i) sigaction(kSignals[i], &sa, &g_old[i]);
}

InterruptGuard::~InterruptGuard() {
  for (int i = 0; i < 4; ++i) sigaction(kSignals[i], &g_old[i], nullptr);
}

int InterruptGuard::signal() {
  return g_signal;
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGPIPE:
      return "SIGPIPE";
    default:
      return "a signal";
  }
}

void end_of_run(const std::string& input, long frames, const std::string& stopped,
                bool allow_truncated, std::string& error, int& code) {
  if (const int sig = InterruptGuard::signal()) {
    error = std::string("interrupted by ") + signal_name(sig) + " after " + std::to_string(frames) +
            " frame(s)";
    code = 128 + sig;
  } else if (error.empty() && frames == 0) {
    error = input + ": no frames";
    code = kExitBadInput;
  } else if (error.empty() && !stopped.empty() && !allow_truncated) {
    error = input + ": " + stopped + " (--allow-truncated accepts a short input)";
    code = kExitBadInput;
  }
}

}  // namespace peakscope::cli
