#include "app/viewer/stream_link.hpp"

#include "core/io/stream_message.hpp"

namespace peakscope::viewer {

nlohmann::json stream_state_json(const ViewerState& st) {
  const Settings& s = st.settings();
  nlohmann::json decoders = nlohmann::json::array();
  for (DecoderKind k : kAllDecoders)
    if (st.lab().enabled(k)) decoders.push_back(decoder_name(k));
  nlohmann::json j = {{"beta", s.beta()},       {"normalize", s.normalize() ? "max" : "none"},
                      {"decoders", decoders},   {"channel", s.channel()},
                      {"paused", st.paused()},  {"frames_shown", st.frames_shown()},
                      {"receiver", "peakscope"}};
  if (const io::Frame* f = st.frame(); f && f->stream) {
    j["skipped"] = f->stream->skipped;
    j["sender_dropped"] = f->stream->sender_dropped;
    j["bad"] = f->stream->bad;
  }
  return j;
}

void StreamLink::decoded(const ViewerState& st, double now_s) {
  const io::Frame* f = st.frame();
  if (!f || !f->stream) {
    reply_.reset();
    return;
  }
  reply_ = f->stream->reply;
  const nlohmann::json state = stream_state_json(st);
  io::publish_decoded(*f, st.keypoints(), state);
  last_state_ = state.dump();
  last_sent_s_ = now_s;
}

void StreamLink::tick(const ViewerState& st, double now_s) {
  if (!reply_) return;
  if (!st.frame() || !st.frame()->stream || st.frame()->stream->reply != reply_) {
    reply_.reset();  // another source is shown
    return;
  }
  const nlohmann::json state = stream_state_json(st);
  std::string text = state.dump();
  if (text == last_state_ && now_s - last_sent_s_ < 1.0) return;
  reply_->publish(nlohmann::json{{"peakscope", io::kStreamProtocol}, {"state", state}}.dump());
  last_state_ = std::move(text);
  last_sent_s_ = now_s;
}

}  // namespace peakscope::viewer
