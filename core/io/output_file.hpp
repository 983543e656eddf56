// The one writer of every file peakscope writes (CLI --out, sweep folders, JSON reports,
// sheets, screenshots, recordings, the viewer's settings, .npy files). What it does depends on
// what the path names:
//   a regular file or nothing  written to a temporary file ".NAME.tmp-PID-XXXXXX" in the same
//                              folder, fsync'ed and renamed over the path by commit() (an
//                              existing file keeps its permission bits and, where allowed,
//                              its owner); until then the path keeps its old contents;
//   a symbolic link (a chain)  resolved; its final target is written as above (a dangling
//                              link's target is created); the link itself stays;
//   a character device, a FIFO written directly by commit(), never renamed over;
//   or a Unix socket           (a link into /proc, such as /dev/stdout, likewise: the open
//                              file it names is written, appended to when it is a file)
//   "-"                        stdout, written by commit().
// A directory or a block device is refused. Errors are std::runtime_error naming the path
// and the reason (a read-only folder, ENOSPC, EDQUOT, EFBIG...); the target is then unchanged.
// No OpenCV, no GL: anything may link it.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

namespace peakscope::io {

enum class OutputKind {
  kStdout,  // "-"
  kFile,    // a regular file or a missing path (after symlinks): atomic
  kStream,  // a character device, a FIFO or a socket: written directly
};

class OutputFile {
 public:
  struct Options {
    // Ends the temporary file's name (".mp4": a writer that picks its format by extension).
    std::string temp_suffix;
    // The caller writes the data itself into file_path() (OpenCV's VideoWriter): a temporary
    // file exists on disk whatever the target (for a stream target it lives in the system's
    // temporary folder and commit() copies it into the stream).
    bool external = false;
  };

  // Looks at what `path` names and prepares the write (creates the temporary file). Temporary
  // files of earlier runs beside the target whose process is gone are removed (a note says
  // so). Throws std::runtime_error naming the path and the reason.
  explicit OutputFile(const std::string& path) : OutputFile(path, Options{}) {}
  OutputFile(const std::string& path, Options options);
  // Discards unless committed.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Where the data goes (not with Options::external).
  std::ostream& stream();
  // Options::external: the file to write into.
  const std::string& file_path() const { return tmp_; }
  OutputKind kind() const { return kind_; }
  const std::string& path() const { return path_; }
  // The file actually written: the path with its symlinks resolved.
  const std::string& target() const { return target_; }

  // Makes the data visible (rename, or the bytes written into the stream or stdout). Throws
  // std::runtime_error naming the path and the reason; the temporary file is then removed
  // and a regular target keeps its old contents.
  void commit();
  // Drops the data: the temporary file is removed; nothing reaches a stream or stdout.
  void discard();

 private:
  class FdBuf;
  void write_stream_target(const std::string& bytes_or_file, bool from_file);

  std::string path_, target_, tmp_;
  OutputKind kind_ = OutputKind::kFile;
  Options opt_;
  int fd_ = -1;
  std::unique_ptr<FdBuf> buf_;
  std::unique_ptr<std::ostream> file_stream_;
  std::ostringstream buffer_;
  int slot_ = -1;  // in the registry of live temporary files
  bool done_ = false;
  unsigned mode_ = 0;
  bool append_ = false;  // a regular file reached through /proc (/dev/stdout > file)
  long uid_ = -1, gid_ = -1;
};

// Writes `bytes` to `path` through an OutputFile.
void write_file(const std::string& path, std::string_view bytes);

// A folder written whole or not at all: its files go into a folder ".NAME.tmp-PID-XXXXXX"
// beside `path`, which commit() puts in the place of `path` (swapped atomically with an
// existing folder, which is then removed). Throws std::runtime_error naming the path.
class OutputDir {
 public:
  explicit OutputDir(const std::string& path);
  ~OutputDir();  // discards unless committed
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  // The folder to write into until commit().
  const std::string& staging() const { return staging_; }
  const std::string& path() const { return path_; }
  void commit();
  void discard();

 private:
  std::string path_, target_, staging_;
  int slot_ = -1;
  bool done_ = false;
};

// Number of entries in a folder (0 when it does not exist); -1 when `path` exists and is not
// a folder.
long folder_entries(const std::string& path);

// Notes the writer has for the user (a stale temporary file removed or left alone). The
// default prints "peakscope: NOTE" on stderr.
void set_output_note_handler(std::function<void(const std::string&)> handler);

// Removes every temporary file (not folder) the writer holds at this moment. Async-signal-
// safe: for a signal handler that is about to end the process.
void remove_live_temporaries() noexcept;

// For programs without their own handling: on SIGINT, SIGTERM, SIGHUP and SIGPIPE removes the
// live temporary files, then the signal takes its default action (the process ends with it).
// Only where the signal's disposition is the default.
void remove_temporaries_on_signals();

}  // namespace peakscope::io
