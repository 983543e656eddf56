// The live stream's wire format (docs/stream.md): one frame is a multipart message, a JSON
// header then the raw heatmap bytes and, when the header has an "image", the raw image bytes.
// Everything in it is validated here before any of it is used or any memory is sized from it;
// core/io/stream_source.hpp moves the messages, this file only reads them (no ZeroMQ).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/io/source.hpp"

namespace peakscope::io {

class StreamReply;  // core/io/stream_source.hpp

// The protocol version a header carries in "peakscope"; other versions are refused.
inline constexpr int kStreamProtocol = 1;

// What one message may claim. A header asking for more is refused before anything is allocated.
struct StreamLimits {
  std::size_t max_bytes = std::size_t{1} << 30;         // heatmap or image buffer (1 GiB)
  std::size_t max_elements = std::size_t{1} << 28;      // heatmap or image elements
  std::size_t max_header_bytes = std::size_t{1} << 20;  // the JSON header (1 MiB)
  int max_side = 1 << 16;                               // width, height (each)
  int max_channels = 4096;
};

// A message that cannot be used; what() says which field and why.
struct StreamMessageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a streamed frame carries beyond io::Frame: the sender's step and clock, its count of
// frames it dropped before sending, and the receiver's count of frames it skipped to show this
// newest one. Shared by every copy of the frame.
struct StreamFrameInfo {
  long step = -1;           // the header's "step" (-1 when absent)
  double sent_time = 0;     // the header's "time": the sender's clock (seconds), 0 when absent
  long sender_dropped = 0;  // the header's "dropped"
  long skipped = 0;         // frames the receiver drained past to reach this one (total so far)
  long bad = 0;             // malformed messages counted so far
  std::string last_bad;     // the reason of the last one ("" when none)
  std::shared_ptr<StreamReply> reply;  // the back-channel (null when none)
};

// The frame a message holds: its heatmap (float32, or uint8 as sent; float16 and float64
// converted to float32, float64 marking the frame narrowed), the image (BGR uint8), the grid's
// placement on the image, ground truth, names and skeleton; and its StreamFrameInfo (step,
// sent_time, sender_dropped filled; the rest left to the receiver). Throws StreamMessageError.
Frame parse_stream_message(std::span<const std::string_view> parts,
                           const StreamLimits& limits = {});
// The same, the heatmap written into `dst` (an engine's frame memory; any strides) and the
// frame's heatmap left empty. Throws StreamMessageError, and std::invalid_argument when dst
// does not have the message's shape.
Frame parse_stream_message_into(std::span<const std::string_view> parts,
                                const MutableHeatmapView& dst, const StreamLimits& limits = {});
// The same checks without reading the pixels (a frame the receiver skips for a newer one is
// still counted as malformed when it is); the heatmap's shape. Throws StreamMessageError.
FrameShape check_stream_message(std::span<const std::string_view> parts,
                                const StreamLimits& limits = {});

}  // namespace peakscope::io
