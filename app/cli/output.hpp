// Where a command's data goes, so that a failure or an interruption leaves nothing broken:
// --out FILE is written to a temporary file next to FILE and renamed over it only by
// commit() (an existing FILE is kept otherwise); stdout is buffered and written by commit(),
// so it gets a complete document or nothing.
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace peakscope::cli {

class Output {
 public:
  // path "" means stdout. Throws std::runtime_error naming the path when the temporary file
  // cannot be created (a missing folder, no permission).
  explicit Output(const std::string& path);
  // Removes the temporary file unless committed.
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  std::ostream& stream();
  bool to_stdout() const { return path_.empty(); }
  // Makes the data visible: renames the temporary file over the path (with the permissions a
  // new file gets), or writes the buffer to stdout. Throws std::runtime_error naming the path
  // when a write or the rename fails (the temporary file is then removed).
  void commit();
  // Drops the data: the temporary file is removed, stdout gets nothing.
  void discard();

 private:
  std::string path_, tmp_;
  std::ofstream file_;
  std::ostringstream buffer_;
  bool done_ = false;
};

}  // namespace peakscope::cli
