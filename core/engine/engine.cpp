#include "core/engine/engine.hpp"

#include <stdexcept>
#include <string>

#include "core/enum_names.hpp"

namespace peakscope {

namespace {
constexpr EnumName<Backend> kBackendNames[] = {
    {Backend::kAuto, "auto"}, {Backend::kGpu, "gpu"}, {Backend::kCpu, "cpu"}};
}  // namespace

Backend parse_backend(std::string_view s) {
  return parse_enum(kBackendNames, s, "backend");
}

const char* backend_name(Backend b) {
  return enum_name(kBackendNames, b);
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
