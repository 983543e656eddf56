// core/io/output_file.hpp, the one writer, on each kind of target: a regular file (atomic,
// its mode kept), a missing path, a FIFO with a reader, a Unix socket, a pseudo-terminal (a
// character device of the test's own), a symlink chain, a dangling symlink, a link into /proc,
// a read-only folder, a full file system, stale temporaries and the signal registry. Nothing
// here opens anything under /dev by name except the pseudo-terminal the test creates.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/io/output_file.hpp"
#include "tests/support/run.hpp"
#include "tests/support/temp.hpp"

namespace {

namespace fs = std::filesystem;
using peakscope::io::OutputDir;
using peakscope::io::OutputFile;
using peakscope::io::OutputKind;
using peakscope::testing::slurp;

// A folder of this test's own.
fs::path test_dir() {
  const fs::path d = peakscope::testing::temp_path(
      "out_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Names in `d` that look like the writer's temporary files.
std::vector<std::string> temporaries(const fs::path& d) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(d))
    if (e.path().filename().string().find(".tmp-") != std::string::npos)
      out.push_back(e.path().filename().string());
  return out;
}

std::string big(std::size_t n) {
  std::string s(n, 'x');
  for (std::size_t i = 0; i < n; i += 61) s[i] = '\n';
  return s;
}

TEST(OutputFile, RegularFileIsReplacedOnlyByCommitAndKeepsItsMode) {
  const fs::path d = test_dir(), p = d / "a.json";
  std::ofstream(p) << "old";
  ::chmod(p.c_str(), 0640);
  {
    OutputFile f(p.string());
    EXPECT_EQ(f.kind(), OutputKind::kFile);
    f.stream() << big(300000);  // more than the writer's buffer
    EXPECT_EQ(slurp(p), "old");
    EXPECT_EQ(temporaries(d).size(), 1u);
    f.commit();
  }
  EXPECT_EQ(slurp(p), big(300000));
  struct stat st;
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_TRUE(temporaries(d).empty());
}

TEST(OutputFile, DiscardAndDestructionLeaveTheTargetUnchanged) {
  const fs::path d = test_dir(), p = d / "a.json";
  std::ofstream(p) << "old";
  {
    OutputFile f(p.string());
    f.stream() << "new";
    f.discard();
  }
  {
    OutputFile f(p.string());
    f.stream() << "new";
  }  // never committed
  EXPECT_EQ(slurp(p), "old");
  EXPECT_TRUE(temporaries(d).empty());
}

TEST(OutputFile, MissingPathIsCreatedAndAMissingFolderIsNamed) {
  const fs::path d = test_dir(), p = d / "new.json";
  peakscope::io::write_file(p.string(), "data");
  EXPECT_EQ(slurp(p), "data");
  try {
    OutputFile f((d / "no" / "such" / "x.json").string());
    FAIL() << "a missing folder was accepted";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("x.json"), std::string::npos) << m;
    EXPECT_NE(m.find("No such file or directory"), std::string::npos) << m;
  }
  EXPECT_THROW(OutputFile f(d.string()), std::runtime_error);  // a directory
}

TEST(OutputFile, FifoWithAReaderIsWrittenDirectlyAndStaysAFifo) {
  const fs::path d = test_dir(), p = d / "pipe";
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = slurp(p); });  // opens when the writer does, reads to EOF
  const std::string data = big(200000);         // more than a pipe holds at once
  {
    OutputFile f(p.string());
    EXPECT_EQ(f.kind(), OutputKind::kStream);
    f.stream() << data;
    f.commit();
  }
  reader.join();
  EXPECT_EQ(got, data);
  struct stat st;
  ASSERT_EQ(::lstat(p.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_TRUE(temporaries(d).empty());
}

TEST(OutputFile, UnixSocketIsConnectedAndWrittenDirectly) {
  const fs::path d = test_dir(), p = d / "sock";
  const int srv = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(srv, 0);
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(p.string().size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, p.c_str());
  ASSERT_EQ(::bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(srv, 1), 0);
  std::string got;
  std::thread reader([&] {
    const int c = ::accept(srv, nullptr, nullptr);
    char buf[4096];
    for (ssize_t n; (n = ::read(c, buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
    ::close(c);
  });
  peakscope::io::write_file(p.string(), "to the socket");
  reader.join();
  ::close(srv);
  EXPECT_EQ(got, "to the socket");
  struct stat st;
  ASSERT_EQ(::lstat(p.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
}

// A character device without touching a system one: a pseudo-terminal the test opens, reached
// through a symlink in the test's folder (the link stays, the device is written).
TEST(OutputFile, CharacterDeviceBehindALinkIsWrittenNeverReplaced) {
  const fs::path d = test_dir(), link = d / "tty";
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  const std::string slave = ::ptsname(master);
  const int keep = ::open(slave.c_str(), O_RDWR | O_NOCTTY);  // raw: no "\n" -> "\r\n"
  ASSERT_GE(keep, 0);
  termios t;
  ASSERT_EQ(::tcgetattr(keep, &t), 0);
  ::cfmakeraw(&t);
  ASSERT_EQ(::tcsetattr(keep, TCSANOW, &t), 0);
  fs::create_symlink(slave, link);
  {
    OutputFile f(link.string());
    EXPECT_EQ(f.kind(), OutputKind::kStream);
    f.stream() << "through the tty\n";
    f.commit();
  }
  std::string got;
  char buf[256];
  while (got.size() < 16) {
    const ssize_t n = ::read(master, buf, sizeof buf);
    ASSERT_GT(n, 0);
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(got, "through the tty\n");
  EXPECT_TRUE(fs::is_symlink(link));
  struct stat st;
  ASSERT_EQ(::stat(slave.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  ::close(keep);
  ::close(master);
  EXPECT_TRUE(temporaries(d).empty());
}

TEST(OutputFile, SymlinkChainWritesTheFinalTargetAndKeepsTheLinks) {
  const fs::path d = test_dir();
  fs::create_directories(d / "dotfiles");
  std::ofstream(d / "dotfiles" / "real.json") << "old";
  ::chmod((d / "dotfiles" / "real.json").c_str(), 0600);
  fs::create_symlink("dotfiles/real.json", d / "mid.json");  // relative, across folders
  fs::create_symlink(d / "mid.json", d / "first.json");      // absolute
  peakscope::io::write_file((d / "first.json").string(), "new");
  EXPECT_TRUE(fs::is_symlink(d / "first.json"));
  EXPECT_TRUE(fs::is_symlink(d / "mid.json"));
  EXPECT_EQ(slurp(d / "dotfiles" / "real.json"), "new");
  EXPECT_EQ(fs::status(d / "dotfiles" / "real.json").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(temporaries(d).empty());
  EXPECT_TRUE(temporaries(d / "dotfiles").empty());
}

TEST(OutputFile, DanglingSymlinkCreatesItsTarget) {
  const fs::path d = test_dir();
  fs::create_symlink("made.json", d / "link.json");
  peakscope::io::write_file((d / "link.json").string(), "created");
  EXPECT_TRUE(fs::is_symlink(d / "link.json"));
  EXPECT_EQ(slurp(d / "made.json"), "created");
}

// /dev/stdout is such a link; the test makes its own in its folder and points fd 1 at a pipe.
TEST(OutputFile, LinkIntoProcWritesTheOpenFile) {
  const fs::path d = test_dir(), link = d / "out";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  fs::create_symlink("/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(fds[1]), link);
  {
    OutputFile f(link.string());
    EXPECT_EQ(f.kind(), OutputKind::kStream);
    f.stream() << "piped";
    f.commit();
  }
  ::close(fds[1]);
  char buf[16] = {};
  EXPECT_EQ(::read(fds[0], buf, sizeof buf), 5);
  EXPECT_STREQ(buf, "piped");
  ::close(fds[0]);
  EXPECT_TRUE(fs::is_symlink(link));
}

// Runs `body` in a child process and returns its exit code (the child cannot report through
// gtest). `body` returns 0 when what it checked held.
int in_child(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status)
                           : 100 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// A folder the writer may not write in. Root ignores permission bits, so when the tests run
// as root the child gives up root first (to the "nobody" user): the folder's 0555 then holds
// for it as for anyone, and the test checks the same thing whoever runs it.
TEST(OutputFile, ReadOnlyFolderIsNamedAndTheTargetKept) {
  const fs::path d = test_dir(), ro = d / "ro", p = ro / "a.json";
  fs::create_directories(ro);
  std::ofstream(p) << "old";
  ::chmod(ro.c_str(), 0555);
  ::chmod(d.c_str(), 0755);
  std::string message;
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  const int rc = in_child([&]() -> int {
    if (::geteuid() == 0) {
      const passwd* nobody = ::getpwnam("nobody");
      const uid_t uid = nobody ? nobody->pw_uid : 65534;
      const gid_t gid = nobody ? nobody->pw_gid : 65534;
      if (::setgid(gid) != 0 || ::setuid(uid) != 0) return 3;
    }
    try {
      OutputFile f(p.string());
      f.stream() << "new";
      f.commit();
      return 1;  // written: the folder was not read-only for us
    } catch (const std::runtime_error& e) {
      const std::string m = e.what();
      if (::write(pipefd[1], m.data(), m.size()) < 0) return 4;
      return 0;
    }
  });
  ::close(pipefd[1]);
  char buf[512] = {};
  const ssize_t n = ::read(pipefd[0], buf, sizeof buf - 1);
  ::close(pipefd[0]);
  message.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
  ::chmod(ro.c_str(), 0755);
  ASSERT_EQ(rc, 0) << "1: written anyway, 3: could not drop root";
  EXPECT_NE(message.find(p.string()), std::string::npos) << message;
  EXPECT_NE(message.find("Permission denied"), std::string::npos) << message;
  EXPECT_EQ(slurp(p), "old");
  EXPECT_TRUE(temporaries(ro).empty());
}

// A full file system without mounting one (which needs root): the file size limit
// (RLIMIT_FSIZE) makes the kernel refuse the write as a full disk would (EFBIG instead of
// ENOSPC / EDQUOT, the same path through the writer), for root too. In a child, so the limit
// stays there; SIGXFSZ ignored so the write fails instead of killing it.
TEST(OutputFile, FullFileSystemFailsWithTheReasonAndKeepsTheTarget) {
  const fs::path d = test_dir(), p = d / "a.json";
  std::ofstream(p) << "old";
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  const int rc = in_child([&]() -> int {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{100000, 100000};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) return 3;
    try {
      OutputFile f(p.string());
      f.stream() << big(1 << 20);
      f.commit();
      return 1;
    } catch (const std::runtime_error& e) {
      const std::string m = e.what();
      if (::write(pipefd[1], m.data(), m.size()) < 0) return 4;
      return 0;
    }
  });
  ::close(pipefd[1]);
  char buf[512] = {};
  const ssize_t n = ::read(pipefd[0], buf, sizeof buf - 1);
  ::close(pipefd[0]);
  const std::string message(buf, n > 0 ? static_cast<size_t>(n) : 0);
  ASSERT_EQ(rc, 0);
  EXPECT_NE(message.find(p.string()), std::string::npos) << message;
  EXPECT_NE(message.find(std::strerror(EFBIG)), std::string::npos) << message;
  EXPECT_NE(message.find("left unchanged"), std::string::npos) << message;
  EXPECT_EQ(slurp(p), "old");
  EXPECT_TRUE(temporaries(d).empty());
}

TEST(OutputFile, StaleTemporariesOfDeadProcessesAreRemovedOthersNamed) {
  const fs::path d = test_dir(), p = d / "a.json";
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);  // reaped: its pid names no process now
  const std::string stale = ".a.json.tmp-" + std::to_string(dead) + "-AbCdEf";
  const std::string live = ".a.json.tmp-" + std::to_string(getppid()) + "-GhIjKl";
  std::ofstream(d / stale) << "half";
  std::ofstream(d / live) << "busy";
  std::vector<std::string> notes;
  peakscope::io::set_output_note_handler([&](const std::string& s) { notes.push_back(s); });
  peakscope::io::write_file(p.string(), "new");
  peakscope::io::set_output_note_handler(nullptr);
  EXPECT_FALSE(fs::exists(d / stale));
  EXPECT_TRUE(fs::exists(d / live));
  ASSERT_EQ(notes.size(), 2u);
  std::string all = notes[0] + "\n" + notes[1];
  EXPECT_NE(all.find("removed " + (d / stale).string()), std::string::npos) << all;
  EXPECT_NE(all.find((d / live).string()), std::string::npos) << all;
  EXPECT_EQ(slurp(p), "new");
}

TEST(OutputFile, SignalRegistryRemovesLiveTemporaries) {
  const fs::path d = test_dir(), p = d / "a.json";
  OutputFile f(p.string());
  f.stream() << "x";
  ASSERT_EQ(temporaries(d).size(), 1u);
  peakscope::io::remove_live_temporaries();
  EXPECT_TRUE(temporaries(d).empty());
  f.discard();  // the file is gone already: no error
  EXPECT_FALSE(fs::exists(p));
}

TEST(OutputFile, ExternalWriterFillsATemporaryWithTheSuffix) {
  const fs::path d = test_dir(), p = d / "clip.mp4";
  OutputFile f(p.string(), OutputFile::Options{".mp4", true});
  ASSERT_EQ(fs::path(f.file_path()).extension(), ".mp4");
  std::ofstream(f.file_path()) << "frames";
  EXPECT_FALSE(fs::exists(p));
  f.commit();
  EXPECT_EQ(slurp(p), "frames");
  EXPECT_TRUE(temporaries(d).empty());
}

TEST(OutputDir, FolderIsBuiltAsideAndSwappedInWhole) {
  const fs::path d = test_dir(), out = d / "sweep";
  fs::create_directories(out);
  std::ofstream(out / "old.txt") << "old";
  {
    OutputDir o(out.string());
    EXPECT_EQ(fs::path(o.staging()).parent_path(), d);
    std::ofstream(fs::path(o.staging()) / "new.txt") << "new";
    EXPECT_TRUE(fs::exists(out / "old.txt"));
    EXPECT_FALSE(fs::exists(out / "new.txt"));
  }  // not committed: the old folder stays as it was
  EXPECT_TRUE(fs::exists(out / "old.txt"));
  EXPECT_TRUE(temporaries(d).empty());
  {
    OutputDir o(out.string());
    std::ofstream(fs::path(o.staging()) / "new.txt") << "new";
    o.commit();
  }
  EXPECT_FALSE(fs::exists(out / "old.txt"));
  EXPECT_EQ(slurp(out / "new.txt"), "new");
  EXPECT_TRUE(temporaries(d).empty());
  {
    OutputDir o((d / "fresh").string());
    std::ofstream(fs::path(o.staging()) / "a") << "a";
    o.commit();
  }
  EXPECT_EQ(slurp(d / "fresh" / "a"), "a");
  std::ofstream(d / "file") << "x";
  EXPECT_THROW(OutputDir o((d / "file").string()), std::runtime_error);
}

}  // namespace
