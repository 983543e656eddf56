#include "core/engine/engine.hpp"

#include <stdexcept>
#include <string>

namespace peakscope {

Backend parse_backend(std::string_view s) {
  if (s == "auto") return Backend::kAuto;
  if (s == "gpu") return Backend::kGpu;
  if (s == "cpu") return Backend::kCpu;
  throw std::invalid_argument("unknown backend '" + std::string(s) +
                              "' (expected auto, gpu or cpu)");
}

const char* backend_name(Backend b) {
  switch (b) {
    case Backend::kAuto:
      return "auto";
    case Backend::kGpu:
      return "gpu";
    case Backend::kCpu:
      return "cpu";
  }
  return "?";
}

DecodedFrame Engine::decode(const HeatmapView& frame, const DecodeOptions& opt) {
  frame.validate();
  opt.validate();
  FrameSlot slot = acquire(FrameShape::of(frame));
  copy_heatmap(frame, slot.view());
  return decode(std::move(slot), opt);
}

DecodedFrame Engine::decode(const FrameWriter& source, const DecodeOptions& opt) {
  opt.validate();
  FrameSlot slot = acquire(source.shape());
  source.write(slot.view());
  return decode(std::move(slot), opt);
}

void Engine::take_slot(FrameSlot& slot, std::uint64_t latest_ticket, const char* where) const {
  if (slot.owner() != this)
    throw std::logic_error(std::string(where) +
                           ": the slot was not handed out by this engine (or was decoded)");
  if (slot.ticket() != latest_ticket)
    throw std::logic_error(std::string(where) +
                           ": the slot was replaced by a later acquire on this engine");
  slot.release();
}

}  // namespace peakscope
