#include "core/io/stream_source.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <zmq.hpp>

namespace peakscope::io {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& spec, const std::string& why) {
  throw SourceError(spec + ": " + why);
}

// A private folder for the default endpoint: created 0700 when missing; otherwise it must be a
// real folder (not a symlink), owned by this user, closed to group and others.
void private_folder(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw SourceError(dir + ": cannot create the stream folder: " + std::strerror(errno));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) throw SourceError(dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) throw SourceError(dir + ": not a folder (a symlink?); refusing it");
  if (st.st_uid != ::getuid()) throw SourceError(dir + ": owned by another user; refusing it");
  if (st.st_mode & 0077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 0777));
    throw SourceError(dir + ": open to other users (mode " + mode + "); expected 0700");
  }
}

// Each message is allocated by libzmq's I/O thread and freed here once used: by default glibc
// then trims that arena and maps the pages afresh for the next message, a page fault per 4 KiB
// (half the receiver's system time at 17 x 64 x 48 x 1,000 fps, measured with perf). Keeping
// freed memory up to 256 MiB, and serving blocks below 32 MiB from the heap, avoids that.
void keep_freed_memory() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
  });
}

bool loopback_host(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

// The receiver: PULL for frames, PUB for the back-channel, the ipc lock file held throughout.
class StreamSource : public Source {
 public:
  StreamSource(const std::string& spec, const StreamOptions& opt)
      : opt_(opt), ep_(parse_stream_spec(spec, opt.allow_remote)) {
    if (!ep_.lock.empty()) take_lock(spec);
    keep_freed_memory();
    try {
      pull_ = zmq::socket_t(*ctx_, zmq::socket_type::pull);
      pull_.set(zmq::sockopt::rcvhwm, opt_.newest_only ? 4 : 64);
      pull_.set(zmq::sockopt::linger, 0);
      pull_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(limits_.max_bytes) + 1);
      pull_.bind(ep_.frames);
      auto reply = std::make_shared<Reply>(ctx_);
      reply->bind(ep_.state);
      reply_ = std::move(reply);
    } catch (const zmq::error_t& e) {
      const bool busy = e.num() == EADDRINUSE;
      fail(ep_.frames, busy ? "address already in use (another peakscope listening?)"
                            : std::string("cannot listen: ") + e.what());
    }
    restrict_socket_files();
    since_ = Clock::now();
  }

  ~StreamSource() override {
    reply_.reset();
    pull_.close();
    if (!ep_.lock.empty()) {
      // Our sockets' files and the lock go while the lock is still held: a new receiver cannot
      // have bound in between.
      ::unlink(path_of(ep_.frames).c_str());
      ::unlink(path_of(ep_.state).c_str());
      ::unlink(ep_.lock.c_str());
      ::close(lock_fd_);
    }
  }

  std::optional<Frame> next() override {
    std::vector<zmq::message_t> parts;
    while (take_message(parts))
      if (std::optional<Frame> f = parse(parts, nullptr)) return f;
    return std::nullopt;
  }

  // The next valid message's shape (waiting for it); the message is kept for next_into.
  std::optional<FrameShape> next_shape() override {
    if (pending_.empty()) {
      for (;;) {
        if (!wait_message(pending_)) return std::nullopt;
        if (const std::optional<FrameShape> s = checked(pending_)) {
          pending_shape_ = *s;
          break;
        }
      }
    }
    return pending_shape_;
  }

  // That message's heatmap written straight into `dst` (an engine's slot: no host copy).
  std::optional<Frame> next_into(const MutableHeatmapView& dst) override {
    if (!next_shape()) return std::nullopt;
    std::vector<zmq::message_t> parts;
    parts.swap(pending_);
    return parse(parts, &dst);  // valid: checked by next_shape
  }

  std::string describe() const override { return "stream " + ep_.frames; }
  void interrupt() override { interrupted_ = true; }
  std::string ended_short() const override {
    std::lock_guard<std::mutex> lk(mu_);
    return ended_;
  }
  std::string warning() const override {
    std::lock_guard<std::mutex> lk(mu_);
    if (bad_ == 0) return {};
    return std::to_string(bad_) + " malformed message(s) skipped; the last: " + last_bad_;
  }
  std::string status() const override {
    std::lock_guard<std::mutex> lk(mu_);
    std::string s = frames_ == 0 ? "waiting for frames on " + ep_.frames
                                 : std::to_string(frames_) + " frames received";
    if (skipped_) s += ", " + std::to_string(skipped_) + " skipped for newer";
    if (sender_dropped_) s += ", " + std::to_string(sender_dropped_) + " dropped by the sender";
    if (bad_) s += ", " + std::to_string(bad_) + " malformed (last: " + last_bad_ + ")";
    return s;
  }

 private:
  // The back-channel's PUB socket, shared with the frames (publish from any thread).
  class Reply : public StreamReply {
   public:
    explicit Reply(std::shared_ptr<zmq::context_t> ctx)
        : ctx_(std::move(ctx)), sock_(*ctx_, zmq::socket_type::pub) {
      sock_.set(zmq::sockopt::sndhwm, 64);
      sock_.set(zmq::sockopt::linger, 0);
    }
    void bind(const std::string& ep) { sock_.bind(ep); }
    void publish(const std::string& m) override {
      std::lock_guard<std::mutex> lk(mu_);
      try {
        sock_.send(zmq::buffer(m), zmq::send_flags::dontwait);
      } catch (const zmq::error_t&) {  // PUB never blocks; a closing context is no error here
      }
    }

   private:
    std::mutex mu_;
    std::shared_ptr<zmq::context_t> ctx_;  // outlives the socket, whoever holds the last frame
    zmq::socket_t sock_;
  };

  static std::string fmt(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
  }
  static std::string path_of(const std::string& ep) { return ep.substr(std::strlen("ipc://")); }

  void take_lock(const std::string& spec) {
    lock_fd_ = ::open(ep_.lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lock_fd_ < 0)
      fail(spec, "cannot open the lock file " + ep_.lock + ": " + std::strerror(errno));
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(lock_fd_);
      lock_fd_ = -1;
      ep_.lock.clear();  // not ours: the destructor must leave the other receiver's files
      if (err == EWOULDBLOCK)
        fail(ep_.frames, "another peakscope is already listening on this endpoint (" +
                             path_of(ep_.frames) + ".lock is held)");
      fail(spec, "cannot lock " + path_of(ep_.frames) + ".lock: " + std::strerror(err));
    }
  }

  // Sockets readable and writable by this user only (their folder may be shared).
  void restrict_socket_files() const {
    if (ep_.lock.empty()) return;
    ::chmod(path_of(ep_.frames).c_str(), 0600);
    ::chmod(path_of(ep_.state).c_str(), 0600);
  }

  // The next message: the one next_shape kept, else one received (waiting for it). False when
  // the stream ends.
  bool take_message(std::vector<zmq::message_t>& parts) {
    if (!pending_.empty()) {
      parts.swap(pending_);
      pending_.clear();
      return true;
    }
    return wait_message(parts);
  }

  // Waits for a message (the newest valid one waiting when newest_only). False when the
  // stream ends: interrupt(), a signal, or the idle timeout.
  bool wait_message(std::vector<zmq::message_t>& parts) {
    for (;;) {
      if (interrupted_) return false;
      if (!receive(parts)) {  // nothing waiting: wait up to 50 ms, then look again
        zmq::pollitem_t item{pull_.handle(), 0, ZMQ_POLLIN, 0};
        int n = 0;
        try {
          n = zmq::poll(&item, 1, std::chrono::milliseconds(50));
        } catch (const zmq::error_t& e) {
          if (e.num() == EINTR) {  // a signal (the CLI's Ctrl-C): let the caller decide
            set_ended("interrupted while waiting for frames");
            return false;
          }
          throw SourceError(ep_.frames + ": " + e.what());
        }
        if (n == 0 && opt_.idle_timeout_s > 0 &&
            std::chrono::duration<double>(Clock::now() - since_).count() > opt_.idle_timeout_s) {
          set_ended("no frame for " + fmt(opt_.idle_timeout_s) + " s");
          return false;
        }
        continue;
      }
      if (!opt_.newest_only) return true;
      // Drain: the newest valid frame waiting wins; the others are skipped (or bad).
      if (!checked(parts)) parts.clear();
      std::vector<zmq::message_t> newer;
      while (receive(newer)) {
        if (!checked(newer)) continue;
        if (!parts.empty()) {
          std::lock_guard<std::mutex> lk(mu_);
          ++skipped_;
        }
        parts.swap(newer);
      }
      if (!parts.empty()) return true;
    }
  }

  // One whole multipart message without waiting; false when none is waiting. ZeroMQ delivers
  // a multipart message whole or not at all (a sender that dies mid-message sends nothing).
  bool receive(std::vector<zmq::message_t>& parts) {
    parts.clear();
    for (;;) {
      zmq::message_t m;
      zmq::recv_result_t r;
      try {
        r = pull_.recv(m, parts.empty() ? zmq::recv_flags::dontwait : zmq::recv_flags::none);
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) return false;
        throw SourceError(ep_.frames + ": " + e.what());
      }
      if (!r) return false;
      const bool more = m.more();
      parts.push_back(std::move(m));
      if (!more || parts.size() > 16) {
        while (more && pull_.get(zmq::sockopt::rcvmore)) {  // drop the rest of an overlong one
          zmq::message_t rest;
          (void)pull_.recv(rest, zmq::recv_flags::none);
          if (!rest.more()) break;
        }
        return true;
      }
    }
  }

  static std::vector<std::string_view> views_of(const std::vector<zmq::message_t>& parts) {
    std::vector<std::string_view> views;
    for (const zmq::message_t& m : parts) views.emplace_back(m.data<char>(), m.size());
    return views;
  }

  void count_bad(const char* why) {
    std::lock_guard<std::mutex> lk(mu_);
    ++bad_;
    last_bad_ = why;
  }

  // The message's heatmap shape when it passes every check (its pixels unread); a bad one is
  // counted.
  std::optional<FrameShape> checked(const std::vector<zmq::message_t>& parts) {
    try {
      return check_stream_message(views_of(parts), limits_);
    } catch (const StreamMessageError& e) {
      count_bad(e.what());
      return std::nullopt;
    }
  }

  // The frame (pixels into `into` when given); nullopt after counting a bad message.
  std::optional<Frame> parse(const std::vector<zmq::message_t>& parts,
                             const MutableHeatmapView* into) {
    const std::vector<std::string_view> views = views_of(parts);
    try {
      Frame f = into ? parse_stream_message_into(views, *into, limits_)
                     : parse_stream_message(views, limits_);
      since_ = Clock::now();
      auto info = std::make_shared<StreamFrameInfo>(*f.stream);
      std::lock_guard<std::mutex> lk(mu_);
      f.index = frames_++;
      sender_dropped_ = info->sender_dropped;
      info->skipped = skipped_;
      info->bad = bad_;
      info->last_bad = last_bad_;
      info->reply = reply_;
      f.stream = std::move(info);
      return f;
    } catch (const StreamMessageError& e) {
      count_bad(e.what());
      return std::nullopt;
    }
  }

  void set_ended(std::string why) {
    std::lock_guard<std::mutex> lk(mu_);
    ended_ = std::move(why);
  }

  const StreamOptions opt_;
  StreamEndpoint ep_;
  StreamLimits limits_;
  int lock_fd_ = -1;
  std::shared_ptr<zmq::context_t> ctx_ = std::make_shared<zmq::context_t>(1);
  zmq::socket_t pull_;
  std::shared_ptr<Reply> reply_;
  std::vector<zmq::message_t> pending_;  // next_shape's message, for next_into
  FrameShape pending_shape_;
  std::atomic<bool> interrupted_{false};
  Clock::time_point since_;
  mutable std::mutex mu_;  // guards what status(), warning() and ended_short() read
  long frames_ = 0, skipped_ = 0, bad_ = 0, sender_dropped_ = 0;
  std::string last_bad_, ended_;
};

}  // namespace

std::string default_stream_endpoint() {
  std::string dir;
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x) {
    dir = std::string(x) + "/peakscope";
  } else {
    dir = "/tmp/peakscope-" + std::to_string(::getuid());
  }
  private_folder(dir);
  return "ipc://" + dir + "/live";
}

StreamEndpoint parse_stream_spec(const std::string& spec, bool allow_remote) {
  if (spec.rfind("stream:", 0) != 0) fail(spec, "not a stream spec (stream:ENDPOINT)");
  std::string ep = spec.substr(7);
  if (ep.empty()) ep = default_stream_endpoint();
  if (!ep.empty() && ep.find_first_not_of("0123456789") == std::string::npos)
    ep = "tcp://127.0.0.1:" + ep;
  StreamEndpoint out;
  out.frames = ep;
  if (ep.rfind("ipc://", 0) == 0) {
    const std::string path = ep.substr(6);
    if (path.empty() || path[0] != '/') fail(spec, "an ipc endpoint needs an absolute path");
    // Linux limits a socket path to 107 bytes (sockaddr_un); "-state" is added to it.
    if (path.size() + 6 > 107) fail(spec, "the ipc path is longer than 101 characters");
    out.state = ep + "-state";
    out.lock = path + ".lock";
    return out;
  }
  if (ep.rfind("tcp://", 0) == 0) {
    const std::size_t colon = ep.rfind(':');
    if (colon <= 6) fail(spec, "a tcp endpoint needs HOST:PORT");
    const std::string host = ep.substr(6, colon - 6), port_text = ep.substr(colon + 1);
    char* end = nullptr;
    const long port = std::strtol(port_text.c_str(), &end, 10);
    if (port_text.empty() || *end || port < 1 || port > 65534)
      fail(spec, "the port must be a number in 1..65534 (the back-channel uses the next one)");
    if (!loopback_host(host) && !allow_remote)
      fail(spec, "listening on " + host +
                     " lets other machines send frames; give --listen-all to allow it, or use "
                     "127.0.0.1");
    out.state = "tcp://" + host + ":" + std::to_string(port + 1);
    return out;
  }
  fail(spec, "unknown endpoint '" + ep + "' (ipc:///PATH, tcp://127.0.0.1:PORT or PORT)");
}

std::unique_ptr<Source> make_stream_source(const std::string& spec, const StreamOptions& opt) {
  return std::make_unique<StreamSource>(spec, opt);
}

std::string stream_reply_message(const Frame& f, const std::vector<Keypoint>& kps,
                                 const nlohmann::json& state) {
  nlohmann::json j;
  j["peakscope"] = kStreamProtocol;
  j["state"] = state;
  nlohmann::json fr;
  const StreamFrameInfo* s = f.stream.get();
  fr["index"] = f.index;
  fr["step"] = s ? s->step : -1;
  fr["sent"] = s ? s->sent_time : 0.0;
  fr["skipped"] = s ? s->skipped : 0;
  fr["sender_dropped"] = s ? s->sender_dropped : 0;
  fr["bad"] = s ? s->bad : 0;
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json pts = nlohmann::json::array();
  for (const Keypoint& k : kps)
    pts.push_back({{"x", num(k.soft_x)},
                   {"y", num(k.soft_y)},
                   {"argmax_x", num(k.argmax_x)},
                   {"argmax_y", num(k.argmax_y)},
                   {"peak_probability", num(k.peak_probability)},
                   {"valid", k.valid}});
  fr["keypoints"] = std::move(pts);
  j["frame"] = std::move(fr);
  return j.dump();
}

void publish_decoded(const Frame& f, const std::vector<Keypoint>& kps,
                     const nlohmann::json& state) {
  if (f.stream && f.stream->reply) f.stream->reply->publish(stream_reply_message(f, kps, state));
}

}  // namespace peakscope::io
