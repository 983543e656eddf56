// peakscope-cli run from a test: to completion with its stdout and stderr captured, or started
// in the background (fork + exec) so that a test can signal it mid-run. Shared by the output,
// signal and count tests.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/run.hpp"
#include "tests/support/temp.hpp"

namespace peakscope::testing {

// A fresh folder of the current test's own (ctest runs tests in parallel).
inline std::filesystem::path cli_test_dir(const std::string& tag) {
  const std::filesystem::path d =
      temp_path(tag + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

struct CliResult {
  int code = -1;  // exit code; -1 when killed by a signal
  std::string out, err;
};

// Runs `PEAKSCOPE_CLI args` in a shell (args are shell words) inside `dir`.
inline CliResult run_cli(const std::filesystem::path& dir, const std::string& args) {
  const std::filesystem::path o = dir / "cli_stdout.txt", e = dir / "cli_stderr.txt";
  CliResult r;
  r.code = run_exit_code("cd '" + dir.string() + "' && " + std::string(PEAKSCOPE_CLI) + " " + args +
                         " > '" + o.string() + "' 2> '" + e.string() + "'");
  r.out = slurp(o);
  r.err = slurp(e);
  std::filesystem::remove(o);
  std::filesystem::remove(e);
  return r;
}

// Starts the CLI with `args` in `dir`, its stdout to `out_file` (or nowhere when empty) and its
// stderr to `err_file` (or nowhere).
inline pid_t start_cli(const std::filesystem::path& dir, const std::vector<std::string>& args,
                       const std::string& out_file = "", const std::string& err_file = "") {
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(126);
    const int o =
        open(out_file.empty() ? "/dev/null" : out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e =
        open(err_file.empty() ? "/dev/null" : err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> argv{const_cast<char*>(PEAKSCOPE_CLI)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(PEAKSCOPE_CLI, argv.data());
    _exit(127);
  }
  return pid;
}

// Waits until `ready` holds (polled every 20 ms), at most `seconds`.
template <class Pred>
bool wait_until(Pred ready, double seconds = 30) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ready();
}

// Names in `d` (not recursive) that look like the writer's temporary files or folders.
inline std::vector<std::string> temporaries_in(const std::filesystem::path& d) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(d))
    if (e.path().filename().string().find(".tmp-") != std::string::npos)
      out.push_back(e.path().filename().string());
  return out;
}

// The exit code of a waited-for child; -1 when a signal ended it.
inline int wait_exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace peakscope::testing
