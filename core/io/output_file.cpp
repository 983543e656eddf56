#include "core/io/output_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;

std::string why(int err) {
  return std::strerror(err);
}

// ---------------------------------------------------------------------------------------
// The registry of live temporary files: fixed slots a signal handler can walk.
// ---------------------------------------------------------------------------------------

constexpr int kSlots = 64;
constexpr std::size_t kSlotPath = 4096;
struct Slot {
  std::atomic<int> state{0};  // 0 free, 1 being filled, 2 live
  bool dir = false;
  char path[kSlotPath] = {};
};
Slot g_slots[kSlots];

int register_temporary(const std::string& p, bool dir) {
  if (p.size() >= kSlotPath) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expect = 0;
    if (g_slots[i].state.compare_exchange_strong(expect, 1)) {
      std::memcpy(g_slots[i].path, p.c_str(), p.size() + 1);
      g_slots[i].dir = dir;
      g_slots[i].state.store(2);
      return i;
    }
  }
  return -1;  // full: the file is still removed by discard(), only not by a signal handler
}

// Whether `dir` is a folder this process is building (an OutputDir's staging folder): nothing
// stale can be in it.
bool is_live_folder(const std::string& dir) {
  for (const Slot& s : g_slots)
    if (s.state.load() == 2 && s.dir && dir == s.path) return true;
  return false;
}

void unregister_temporary(int& slot) {
  if (slot >= 0) g_slots[slot].state.store(0);
  slot = -1;
}

// ---------------------------------------------------------------------------------------
// Notes, umask, names
// ---------------------------------------------------------------------------------------

std::mutex g_note_mu;
std::function<void(const std::string&)> g_note = [](const std::string& s) {
  std::fprintf(stderr, "peakscope: %s\n", s.c_str());
};

void note(const std::string& s) {
  std::lock_guard<std::mutex> lk(g_note_mu);
  if (g_note) g_note(s);
}

// The process's umask without changing it (other threads may create files meanwhile).
mode_t current_umask() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Umask:", 0) == 0)
      return static_cast<mode_t>(std::strtol(line.c_str() + 6, nullptr, 8));
  const mode_t m = umask(022);
  umask(m);
  return m;
}

// The name a temporary file of `target` starts with: ".NAME.tmp-" (NAME shortened so the
// whole name stays under the file system's 255 bytes).
std::string temp_prefix(const fs::path& target) {
  std::string name = target.filename().string();
  if (name.size() > 200) name.resize(200);
  std::string s(".");  // appended piecewise: GCC 12's false -Wrestrict (bug 105329)
  s.append(name).append(".tmp-");
  return s;
}

fs::path parent_of(const fs::path& p) {
  return p.has_parent_path() ? p.parent_path() : fs::path(".");
}

// Follows a chain of symbolic links to the path that is finally written (which may not
// exist: a dangling link's target is created). A chain that reaches /proc (/dev/stdout ->
// /proc/self/fd/1) stops there: those links name open files ("pipe:[123]"), not paths, and
// are opened as they are (`magic`).
std::string resolve_links(const std::string& path, bool* magic = nullptr) {
  std::string p = path;
  for (int hops = 0; hops < 40; ++hops) {
    if (magic && p.rfind("/proc/", 0) == 0) {
      *magic = true;
      return p;
    }
    struct stat st;
    if (lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::vector<char> buf(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 4095) + 1);
    const ssize_t n = readlink(p.c_str(), buf.data(), buf.size());
    if (n < 0)
      throw std::runtime_error(path + ": cannot read the link " + p + " (" + why(errno) + ")");
    const std::string t(buf.data(), static_cast<std::size_t>(n));
    p = (!t.empty() && t[0] == '/') ? t : (parent_of(p) / t).string();
  }
  throw std::runtime_error(path + ": too many levels of symbolic links");
}

// Temporary files and folders of earlier runs for `target` in its folder: those whose process
// is gone are removed, the others named.
void clean_stale(const fs::path& target) {
  const fs::path dir = parent_of(target);
  if (is_live_folder(dir.string())) return;  // a sweep's thousands of sheets: no rescans
  const std::string prefix = temp_prefix(target);
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> names;
  while (const dirent* e = readdir(d))
    if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0) names.emplace_back(e->d_name);
  closedir(d);
  for (const std::string& n : names) {
    const fs::path p = dir / n;
    // ".NAME.tmp-PID-XXXXXX": the process that wrote it; older versions wrote no PID.
    const char* rest = n.c_str() + prefix.size();
    char* end = nullptr;
    const long pid = std::strtol(rest, &end, 10);
    const bool has_pid = end != rest && *end == '-' && pid > 0;
    if (has_pid && pid == static_cast<long>(getpid())) continue;
    bool gone = has_pid && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    if (!has_pid) {  // no owner to ask: removed once it is an hour old
      struct stat st;
      gone = lstat(p.c_str(), &st) == 0 && std::time(nullptr) - st.st_mtime > 3600;
    }
    if (gone) {
      std::error_code ec;
      fs::remove_all(p, ec);
      if (!ec) {
        note("removed " + p.string() + ", left by an interrupted run" +
             (has_pid ? " (process " + std::to_string(pid) + " is gone)" : ""));
        continue;
      }
    }
    note(p.string() + " looks like a temporary file of another or an interrupted run" +
         (has_pid ? " (process " + std::to_string(pid) + " is running)" : "") +
         ": left alone; remove it if nothing is writing " + target.string());
  }
}

int write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return 0;
}

// Opens a stream target for writing: a Unix socket is connected, anything else opened.
int open_stream(const std::string& target, bool socket_target, bool append) {
  if (!socket_target) {
    int fd;
    do fd = ::open(target.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | (append ? O_APPEND : 0));
    while (fd < 0 && errno == EINTR);
    return fd;
  }
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (target.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(addr.sun_path, target.c_str(), target.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

}  // namespace

// A streambuf over a file descriptor that remembers the first error (errno) of a write.
class OutputFile::FdBuf : public std::streambuf {
 public:
  explicit FdBuf(int fd) : fd_(fd), buf_(1 << 16) { setp(buf_.data(), buf_.data() + buf_.size()); }
  int error() const { return err_; }
  bool drain() {
    if (err_ == 0 && pptr() > pbase())
      err_ = write_all(fd_, pbase(), static_cast<std::size_t>(pptr() - pbase()));
    setp(buf_.data(), buf_.data() + buf_.size());
    return err_ == 0;
  }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  int fd_;
  std::vector<char> buf_;
  int err_ = 0;
};

// ---------------------------------------------------------------------------------------
// OutputFile
// ---------------------------------------------------------------------------------------

OutputFile::OutputFile(const std::string& path, Options options)
    : path_(path), opt_(std::move(options)) {
  if (path_.empty()) throw std::runtime_error("no output path given");
  if (path_ == "-") {
    kind_ = OutputKind::kStdout;
    target_ = path_;
    if (!opt_.external) return;
  } else {
    bool magic = false;
    target_ = resolve_links(path_, &magic);
    struct stat st;
    const bool exists = stat(target_.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) throw std::runtime_error(path_ + ": is a directory");
    if (exists && S_ISBLK(st.st_mode))
      throw std::runtime_error(path_ + ": is a block device (peakscope does not write to one)");
    if (magic && !exists) throw std::runtime_error(path_ + ": cannot write (" + why(errno) + ")");
    if (magic ||
        (exists && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))) {
      // Written directly; an open file of a process (/dev/stdout > file) is appended to.
      kind_ = OutputKind::kStream;
      mode_ = st.st_mode;
      append_ = magic && S_ISREG(st.st_mode);
      if (!opt_.external) return;
    } else if (exists && !S_ISREG(st.st_mode)) {
      throw std::runtime_error(path_ + ": not a regular file, device, FIFO or socket");
    } else if (exists) {
      mode_ = st.st_mode & 07777;
      uid_ = st.st_uid;
      gid_ = st.st_gid;
    } else {
      mode_ = 0666 & ~current_umask();
    }
  }
  // The temporary file: beside the target, or for a stream or stdout that the caller fills
  // by path, in the system's temporary folder.
  fs::path dir;
  std::string prefix;
  if (kind_ == OutputKind::kFile) {
    clean_stale(target_);
    dir = parent_of(target_);
    prefix = temp_prefix(target_);
  } else {
    std::error_code ec;
    dir = fs::temp_directory_path(ec);
    if (ec) dir = "/tmp";
    prefix = "peakscope-output.tmp-";
  }
  std::string templ =
      (dir / prefix).string() + std::to_string(getpid()) + "-XXXXXX" + opt_.temp_suffix;
  const int fd = mkostemps(templ.data(), static_cast<int>(opt_.temp_suffix.size()), O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    throw std::runtime_error(path_ + ": cannot create a file in " + dir.string() + " (" + why(e) +
                             ")");
  }
  tmp_ = templ;
  slot_ = register_temporary(tmp_, false);
  if (kind_ == OutputKind::kFile) {
    if (fchmod(fd, mode_) != 0) { /* the default 0600 stays: safe */
    }
    // Keep the owner of a file we replace (possible for root, or for our own group).
    if (uid_ >= 0 && (static_cast<long>(geteuid()) != uid_ || static_cast<long>(getegid()) != gid_))
      if (fchown(fd, static_cast<uid_t>(uid_), static_cast<gid_t>(gid_)) != 0) { /* best effort */
      }
  }
  if (opt_.external) {
    ::close(fd);
    return;
  }
  fd_ = fd;
  buf_ = std::make_unique<FdBuf>(fd_);
  file_stream_ = std::make_unique<std::ostream>(buf_.get());
}

OutputFile::~OutputFile() {
  if (!done_) discard();
}

std::ostream& OutputFile::stream() {
  if (file_stream_) return *file_stream_;
  return buffer_;
}

void OutputFile::write_stream_target(const std::string& data, bool from_file) {
  const int fd = open_stream(target_, S_ISSOCK(mode_), append_);
  if (fd < 0) {
    const int e = errno;
    throw std::runtime_error(path_ + ": cannot open for writing (" + why(e) + ")");
  }
  int err = 0;
  if (!from_file) {
    err = write_all(fd, data.data(), data.size());
  } else {
    const int in = ::open(data.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) err = errno;
    std::vector<char> chunk(1 << 16);
    while (in >= 0 && err == 0) {
      const ssize_t n = ::read(in, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) err = errno;
      if (n <= 0) break;
      err = write_all(fd, chunk.data(), static_cast<std::size_t>(n));
    }
    if (in >= 0) ::close(in);
  }
  if (::close(fd) != 0 && err == 0 && errno != EINTR && errno != EINVAL) err = errno;
  if (err) throw std::runtime_error(path_ + ": cannot write (" + why(err) + ")");
}

void OutputFile::commit() {
  if (done_) throw std::logic_error("OutputFile::commit after commit or discard");
  done_ = true;
  try {
    if (kind_ == OutputKind::kStdout && !opt_.external) {
      const std::string s = buffer_.str();
      errno = 0;
      std::cout.write(s.data(), static_cast<std::streamsize>(s.size()));
      std::cout.flush();
      if (!std::cout)
        throw std::runtime_error("stdout: cannot write (" + why(errno ? errno : EIO) + ")");
      return;
    }
    if (kind_ == OutputKind::kStream && !opt_.external) {
      write_stream_target(buffer_.str(), false);
      return;
    }
    if (kind_ != OutputKind::kFile) {  // an external writer's file, copied into the target
      if (kind_ == OutputKind::kStdout) {
        std::ifstream in(tmp_, std::ios::binary);
        std::cout << in.rdbuf();
        std::cout.flush();
        if (!std::cout)
          throw std::runtime_error("stdout: cannot write (" + why(errno ? errno : EIO) + ")");
      } else {
        write_stream_target(tmp_, true);
      }
      ::unlink(tmp_.c_str());
      unregister_temporary(slot_);
      return;
    }
    int err = 0;
    if (buf_) {
      file_stream_->flush();
      buf_->drain();
      err = buf_->error();
    } else {
      fd_ = ::open(tmp_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) err = errno;
    }
    if (err == 0 && ::fsync(fd_) != 0) err = errno;  // ENOSPC / EDQUOT may first show here
    if (fd_ >= 0 && ::close(fd_) != 0 && err == 0 && errno != EINTR) err = errno;
    fd_ = -1;
    if (err)
      throw std::runtime_error(path_ + ": cannot write (" + why(err) + "); " + path_ +
                               " left unchanged");
    if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
      const int e = errno;
      throw std::runtime_error(path_ + ": cannot replace (" + why(e) + "); " + path_ +
                               " left unchanged");
    }
    unregister_temporary(slot_);
    tmp_.clear();
    const int dfd = ::open(parent_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {  // the rename itself on disk (best effort)
      ::fsync(dfd);
      ::close(dfd);
    }
  } catch (...) {
    done_ = false;
    discard();
    throw;
  }
}

void OutputFile::discard() {
  done_ = true;
  buffer_.str({});
  file_stream_.reset();
  buf_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  unregister_temporary(slot_);
}

void write_file(const std::string& path, std::string_view bytes) {
  OutputFile f(path);
  f.stream().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.commit();
}

// ---------------------------------------------------------------------------------------
// OutputDir
// ---------------------------------------------------------------------------------------

OutputDir::OutputDir(const std::string& path) : path_(path) {
  if (path_.empty()) throw std::runtime_error("no output folder given");
  std::string p = path_;
  while (p.size() > 1 && p.back() == '/') p.pop_back();  // "out/" is the folder "out"
  target_ = resolve_links(p);
  struct stat st;
  mode_t mode = 0777 & ~current_umask();
  if (stat(target_.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw std::runtime_error(path_ + ": exists and is not a folder");
    mode = st.st_mode & 07777;
  }
  const fs::path parent = parent_of(target_);
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw std::runtime_error("cannot create " + parent.string() + ": " + ec.message());
  clean_stale(target_);
  std::string templ =
      (parent / temp_prefix(target_)).string() + std::to_string(getpid()) + "-XXXXXX";
  if (!mkdtemp(templ.data())) {
    const int e = errno;
    throw std::runtime_error(path_ + ": cannot create a folder in " + parent.string() + " (" +
                             why(e) + ")");
  }
  staging_ = templ;
  slot_ = register_temporary(staging_, true);
  ::chmod(staging_.c_str(), mode);
}

OutputDir::~OutputDir() {
  if (!done_) discard();
}

void OutputDir::commit() {
  if (done_) throw std::logic_error("OutputDir::commit after commit or discard");
  done_ = true;
  std::error_code ec;
  struct stat st;
  if (stat(target_.c_str(), &st) != 0) {
    if (::rename(staging_.c_str(), target_.c_str()) != 0) {
      const int e = errno;
      done_ = false;
      discard();
      throw std::runtime_error(path_ + ": cannot create (" + why(e) + ")");
    }
  } else if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) ==
             0) {
    fs::remove_all(staging_, ec);  // now the old folder
  } else {
    // No atomic exchange here (an old kernel, some file systems): the old folder is moved
    // aside, the new one put in its place, then the old one removed.
    std::string old = (parent_of(target_) / temp_prefix(target_)).string() +
                      std::to_string(getpid()) + "-old-XXXXXX";
    if (!mkdtemp(old.data()) || ::rename(target_.c_str(), old.c_str()) != 0) {
      const int e = errno;
      ::rmdir(old.c_str());
      done_ = false;
      discard();
      throw std::runtime_error(path_ + ": cannot replace (" + why(e) + "); left unchanged");
    }
    if (::rename(staging_.c_str(), target_.c_str()) != 0) {
      const int e = errno;
      ::rename(old.c_str(), target_.c_str());
      done_ = false;
      discard();
      throw std::runtime_error(path_ + ": cannot replace (" + why(e) + "); left unchanged");
    }
    fs::remove_all(old, ec);
  }
  unregister_temporary(slot_);
  staging_.clear();
}

void OutputDir::discard() {
  done_ = true;
  std::error_code ec;
  if (!staging_.empty()) fs::remove_all(staging_, ec);
  staging_.clear();
  unregister_temporary(slot_);
}

long folder_entries(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return 0;
  if (!fs::is_directory(path, ec)) return -1;
  long n = 0;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

void set_output_note_handler(std::function<void(const std::string&)> handler) {
  std::lock_guard<std::mutex> lk(g_note_mu);
  g_note = std::move(handler);
}

void remove_live_temporaries() noexcept {
  for (Slot& s : g_slots) {
    if (s.state.load() != 2) continue;
    if (s.dir)
      ::rmdir(s.path);  // an empty staging folder; one with files is cleaned by the next run
    else
      ::unlink(s.path);
  }
}

namespace {
extern "C" void remove_and_reraise(int sig) {
  remove_live_temporaries();
  // SA_RESETHAND restored the default action: the signal ends the process once this returns.
  raise(sig);
}
}  // namespace

void remove_temporaries_on_signals() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
    struct sigaction old = {};
    if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa = {};
    sa.sa_handler = remove_and_reraise;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    sigaction(sig, &sa, nullptr);
  }
}

}  // namespace peakscope::io
