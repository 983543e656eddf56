#include "core/gpu/decoder.hpp"

#include "core/gpu/fallback_engine.hpp"
#include "core/gpu/select_engine.hpp"

namespace peakscope::gpu {

Decoder::Decoder(Backend want, bool headless, bool quiet) {
  EngineChoice c =
      select_engine(want, headless ? ContextMode::kOwnHeadless : ContextMode::kCurrent, quiet);
  engine_ = std::move(c.engine);
  reason_ = std::move(c.reason);
}

Decoder::~Decoder() = default;

const std::string& Decoder::fallback_reason() const {
  runtime_reason_ = engine_->fallback_reason();
  return runtime_reason_.empty() ? reason_ : runtime_reason_;
}

GlEngine* Decoder::gl() {
  auto* f = dynamic_cast<FallbackEngine*>(engine_.get());
  return f ? f->gl() : nullptr;
}

void Decoder::fall_back(const std::string& why) {
  if (auto* f = dynamic_cast<FallbackEngine*>(engine_.get())) f->fall_back(why);
}

std::vector<Keypoint> Decoder::decode(const HeatmapView& map, const DecodeOptions& opt) {
  return engine_->decode(map, opt);
}

}  // namespace peakscope::gpu
