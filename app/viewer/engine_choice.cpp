// Until core/gpu's select_engine lands: the Engine interface over gpu::Decoder.
#include "app/viewer/engine_choice.hpp"

#include "core/gpu/decoder.hpp"
#include "core/gpu/gl_engine.hpp"

namespace peakscope::viewer {

namespace {
class DecoderEngine final : public Engine {
 public:
  explicit DecoderEngine(Backend want) : d_(want, /*headless=*/false, /*quiet=*/true) {}
  std::vector<Keypoint> decode(const HeatmapView& map, const DecodeOptions& opt) override {
    last_ = d_.decode(map, opt);
    return last_;
  }
  SoftmaxImage softmax(const HeatmapView& map, int c, const DecodeOptions& opt) override {
    SoftmaxImage s;
    s.width = map.width;
    s.height = map.height;
    if (d_.on_gpu()) {
      s.gl_texture = d_.gl()->softmax_texture(c);
      if (c < static_cast<int>(last_.size())) s.keypoint = last_[c];
    } else {
      buf_.resize(map.pixels());
      s.keypoint = d_.cpu().softmax_map(map, c, opt, buf_.data());
      s.cpu = buf_.data();
    }
    return s;
  }
  Backend kind() const override { return d_.on_gpu() ? Backend::kGpu : Backend::kCpu; }
  std::string description() const override { return d_.description(); }
  const std::string& reason() const { return d_.fallback_reason(); }

 private:
  gpu::Decoder d_;
  std::vector<Keypoint> last_;
  std::vector<float> buf_;
};
}  // namespace

EngineChoice choose_engine(Backend want) {
  auto e = std::make_unique<DecoderEngine>(want);
  EngineChoice c;
  c.reason = e->reason();
  c.engine = std::move(e);
  return c;
}

}  // namespace peakscope::viewer
