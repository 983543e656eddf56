// Running a program from a test and reading what it wrote: shared by the CLI and viewer tests.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace peakscope::testing {

// The exit code of a std::system() status; -1 when the command did not exit normally.
inline int exit_code_of(int system_status) {
  return WIFEXITED(system_status) ? WEXITSTATUS(system_status) : -1;
}

// Runs a shell command line and returns its exit code (-1 when killed by a signal).
inline int run_exit_code(const std::string& command) {
  return exit_code_of(std::system(command.c_str()));
}

// The whole content of a file; empty when it cannot be read.
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace peakscope::testing
