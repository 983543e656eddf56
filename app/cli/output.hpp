// Where a command's data goes, so that a failure or an interruption leaves nothing broken:
// the CLI's face of core/io/output_file.hpp (the one writer: --out FILE is replaced only by
// commit(), a symlink's target is written and the link stays, a device or FIFO is written
// directly); stdout ("" or "-") is buffered and written by commit(), so it gets a complete
// document or nothing.
#pragma once

#include <ostream>
#include <string>

#include "core/io/output_file.hpp"

namespace peakscope::cli {

class Output {
 public:
  // path "" or "-" means stdout. Throws std::runtime_error naming the path when it cannot be
  // written (a missing folder, no permission, a directory).
  explicit Output(const std::string& path) : file_(path.empty() ? "-" : path) {}

  std::ostream& stream() { return file_.stream(); }
  bool to_stdout() const { return file_.kind() == io::OutputKind::kStdout; }
  // Makes the data visible. Throws std::runtime_error naming the path when a write or the
  // rename fails (the temporary file is then removed, the path left unchanged).
  void commit() { file_.commit(); }
  // Drops the data: the temporary file is removed, stdout gets nothing.
  void discard() { file_.discard(); }

 private:
  io::OutputFile file_;
};

}  // namespace peakscope::cli
