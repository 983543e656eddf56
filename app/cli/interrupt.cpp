#include "app/cli/interrupt.hpp"

#include <csignal>

#include "app/cli/decode_flags.hpp"

namespace peakscope::cli {
namespace {

volatile std::sig_atomic_t g_signal = 0;
struct sigaction g_old_int, g_old_term;

extern "C" void on_signal(int sig) {
  g_signal = sig;
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_signal = 0;
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // blocking reads carry on; the loop checks between frames
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
}

int InterruptGuard::signal() {
  return g_signal;
}

const char* signal_name(int sig) {
  if (sig == SIGINT) return "SIGINT";
  if (sig == SIGTERM) return "SIGTERM";
  return "a signal";
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
