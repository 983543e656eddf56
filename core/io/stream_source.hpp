// The live stream (docs/stream.md): the receiving side binds a ZeroMQ PULL socket on the
// stream's endpoint (a Python script connects and pushes frames, app/python/peakscope/live.py)
// and a PUB socket beside it, the back-channel, on which the receiver publishes its state and
// the keypoints it decoded from each frame. Every message is checked by
// parse_stream_message (core/io/stream_message.hpp) before use; a bad one is counted and
// skipped, never fatal.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/decode.hpp"
#include "core/io/source.hpp"
#include "core/io/stream_message.hpp"

namespace peakscope::io {

// Where a stream listens: the frames' endpoint, the back-channel's, and (ipc) the lock file
// that keeps a second receiver off the same path.
struct StreamEndpoint {
  std::string frames;  // "ipc:///run/user/1000/peakscope/live", "tcp://127.0.0.1:5555"
  std::string state;   // ipc: the path + "-state"; tcp: the port + 1
  std::string lock;    // ipc: the path + ".lock"; empty for tcp
};

// The default endpoint: ipc://$XDG_RUNTIME_DIR/peakscope/live, or ipc:///tmp/peakscope-UID/live
// when XDG_RUNTIME_DIR is unset. The folder is created with mode 0700 when missing; a folder
// that is a symlink, not the user's own, or open to others is refused (SourceError).
std::string default_stream_endpoint();

// The endpoints `spec` names: "stream:" or "stream:ENDPOINT", ENDPOINT being ipc://PATH,
// tcp://HOST:PORT or a bare port (tcp://127.0.0.1:PORT). TCP on another address than
// 127.0.0.1/localhost needs allow_remote. Throws SourceError naming the spec and the reason.
StreamEndpoint parse_stream_spec(const std::string& spec, bool allow_remote);

// The back-channel's sending end. Thread-safe; publishing never blocks (a subscriber that
// falls behind loses messages, as ZeroMQ's PUB does).
class StreamReply {
 public:
  virtual ~StreamReply() = default;
  virtual void publish(const std::string& message) = 0;
};

// The back-channel message for one decoded frame: {"peakscope": 1, "state": state, "frame":
// {"step", "sent", "index", "skipped", "sender_dropped", "bad", "keypoints": [{"x", "y",
// "argmax_x", "argmax_y", "peak_probability", "valid"}...]}}; keypoints in heatmap pixels.
std::string stream_reply_message(const Frame& f, const std::vector<Keypoint>& kps,
                                 const nlohmann::json& state);
// Publishes that message when `f` came from a stream (no-op otherwise).
void publish_decoded(const Frame& f, const std::vector<Keypoint>& kps, const nlohmann::json& state);

}  // namespace peakscope::io
