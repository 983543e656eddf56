#include "app/cli/output.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace peakscope::cli {

Output::Output(const std::string& path) : path_(path) {
  if (path_.empty()) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path_, ec)) throw std::runtime_error(path_ + ": is a directory");
  const fs::path p(path_);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::string name(".");  // appended piecewise: GCC 12's false -Wrestrict (bug 105329)
  name.append(p.filename().string()).append(".tmp-XXXXXX");
  std::string templ = (dir / name).string();
  const int fd = mkstemp(templ.data());
  if (fd < 0)
    throw std::runtime_error(path_ + ": cannot write (" + std::string(std::strerror(errno)) + ")");
  // mkstemp creates 0600; the finished file gets what a new file normally gets.
  const mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  close(fd);
  tmp_ = templ;
  file_.open(tmp_, std::ios::binary | std::ios::trunc);
  if (!file_) {
    std::remove(tmp_.c_str());
    throw std::runtime_error(path_ + ": cannot write");
  }
}

Output::~Output() {
  if (!done_) discard();
}

std::ostream& Output::stream() {
  if (to_stdout()) return buffer_;
  return file_;
}

void Output::commit() {
  done_ = true;
  if (to_stdout()) {
    const std::string s = buffer_.str();
    std::cout.write(s.data(), static_cast<std::streamsize>(s.size()));
    std::cout.flush();
    if (!std::cout) throw std::runtime_error("stdout: write failed");
    return;
  }
  file_.flush();
  const bool ok = static_cast<bool>(file_);
  file_.close();
  if (!ok || file_.fail()) {
    std::remove(tmp_.c_str());
    throw std::runtime_error(path_ + ": write failed (disk full?)");
  }
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp_.c_str());
    throw std::runtime_error(path_ + ": cannot replace (" + why + ")");
  }
}

void Output::discard() {
  done_ = true;
  if (to_stdout()) {
    buffer_.str({});
    return;
  }
  if (file_.is_open()) file_.close();
  if (!tmp_.empty()) std::remove(tmp_.c_str());
}

}  // namespace peakscope::cli
