// How a frame enters an engine: the engine hands out a slot for a shape (Engine::acquire), the
// source writes the frame into the slot's memory, and the engine decodes the slot
// (Engine::decode). A host frame is the same path with a copy; a FrameWriter is a source that
// can write itself into any slot, and that an engine may instead make in its own memory (the
// GPU engine renders the synthetic scene in device memory).
#pragma once

#include <cstdint>
#include <string>

#include "core/heatmap.hpp"

namespace peakscope {

class Engine;

// The element type and size of a K x H x W frame.
struct FrameShape {
  ElemType type = ElemType::kFloat32;
  int width = 0, height = 0, channels = 0;
  bool operator==(const FrameShape&) const = default;
  // Throws std::invalid_argument naming the sizes unless all are positive.
  void validate() const;
  std::string str() const;  // "3 x 64 x 48 float32" (K x H x W)
  static FrameShape of(const HeatmapView& v) { return {v.type, v.width, v.height, v.channels}; }
};

// Memory for one frame, handed out by Engine::acquire and given back by Engine::decode. The
// source writes the whole frame into view() (any strides: planes may be padded, so that
// channel_stride exceeds width * height). On a discrete GPU it is write-combined memory:
// write it, do not read it back. A slot is decoded once, by the engine that handed it out;
// acquiring the next slot on that engine invalidates it (decode then throws std::logic_error).
class FrameSlot {
 public:
  FrameSlot() = default;
  FrameSlot(FrameSlot&& o) noexcept { *this = std::move(o); }
  FrameSlot& operator=(FrameSlot&& o) noexcept {
    if (this == &o) return *this;
    view_ = o.view_;
    read_ = o.read_;
    owner_ = o.owner_;
    ticket_ = o.ticket_;
    o.owner_ = nullptr;
    return *this;
  }
  FrameSlot(const FrameSlot&) = delete;
  FrameSlot& operator=(const FrameSlot&) = delete;

  // Where the source writes the frame (empty for a slot over a host frame, see borrowed()).
  const MutableHeatmapView& view() const { return view_; }
  // The frame as the engine will read it.
  const HeatmapView& frame() const { return read_; }
  FrameShape shape() const { return FrameShape::of(read_); }
  // The engine whose memory the slot is (null once decoded or moved from): the engine that
  // handed it out, or for an engine that wraps others (fallback, auto) the inner one.
  const Engine* owner() const { return owner_; }

  // For engines: a slot over memory the engine owns (written by the source), or over a host
  // frame it reads where it lies (no view() to write). `ticket` identifies the acquire.
  static FrameSlot writable(const Engine* owner, const MutableHeatmapView& v,
                            std::uint64_t ticket) {
    FrameSlot s;
    s.view_ = v;
    s.read_ = v.view();
    s.owner_ = owner;
    s.ticket_ = ticket;
    return s;
  }
  static FrameSlot borrowed(const Engine* owner, const HeatmapView& v, std::uint64_t ticket) {
    FrameSlot s;
    s.read_ = v;
    s.owner_ = owner;
    s.ticket_ = ticket;
    return s;
  }
  std::uint64_t ticket() const { return ticket_; }
  // Marks the slot as given back (the engine took it).
  void release() { owner_ = nullptr; }

 private:
  MutableHeatmapView view_{};
  HeatmapView read_{};
  const Engine* owner_ = nullptr;
  std::uint64_t ticket_ = 0;
};

// A source that can write its frame into any memory of its shape. Engine::decode(writer)
// acquires a slot, lets the writer fill it and decodes it; an engine that can make the frame
// itself (the GPU engine and the synthetic scene, core/scene_frame.hpp) does so instead.
class FrameWriter {
 public:
  virtual ~FrameWriter() = default;
  virtual FrameShape shape() const = 0;
  // Writes the whole frame into `out` (shape() sized, any strides).
  virtual void write(const MutableHeatmapView& out) const = 0;
};

}  // namespace peakscope
