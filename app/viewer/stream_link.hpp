// The viewer's end of a live stream's back-channel (core/io/stream_source.hpp): after each
// streamed frame is decoded it publishes the viewer's state with that frame's keypoints; when
// the state changes between frames (the beta slider moved while paused or the sender waits),
// and once a second for subscribers that joined late, it publishes the state alone.
// No ImGui or GL: Viewer calls it.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/viewer/viewer_state.hpp"
#include "core/io/stream_source.hpp"

namespace peakscope::viewer {

// The state the back-channel carries: beta, normalize, decoders, channel, paused, and the
// stream's counts from the frame shown (frames, skipped, sender_dropped, bad).
nlohmann::json stream_state_json(const ViewerState& st);

class StreamLink {
 public:
  // The current frame was decoded (st.keypoints() are its keypoints).
  void decoded(const ViewerState& st, double now_s);
  // Every UI frame: the state alone when it changed or a second passed.
  void tick(const ViewerState& st, double now_s);

 private:
  std::shared_ptr<io::StreamReply> reply_;  // the back-channel of the stream last shown
  std::string last_state_;
  double last_sent_s_ = -1;
};

}  // namespace peakscope::viewer
