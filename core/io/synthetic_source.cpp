#include <chrono>

#include "core/io/source.hpp"
#include "core/scene.hpp"

namespace peakscope::io {
namespace {

class SyntheticSource : public Source {
 public:
  explicit SyntheticSource(const SyntheticOptions& o) : opt_(o), scene_(scene_config(o)) {}

  std::optional<Frame> next() override {
    std::optional<Frame> f = advance();
    if (f && !opt_.without_pixels) f->heatmap = scene_.render(type());
    return f;
  }
  std::optional<FrameShape> next_shape() override {
    if (opt_.without_pixels || (opt_.frames >= 0 && index_ >= opt_.frames)) return std::nullopt;
    return FrameShape{type(), opt_.width, opt_.height, 1};
  }
  std::optional<Frame> next_into(const MutableHeatmapView& dst) override {
    std::optional<Frame> f = advance();
    if (f) scene_.render_into(dst);  // the same values as next()'s heatmap, rendered in place
    return f;
  }
  std::string describe() const override {
    if (opt_.without_pixels) return "synthetic scene rendered by the engine";
    return "synthetic " + std::to_string(opt_.width) + "x" + std::to_string(opt_.height) + ", " +
           std::to_string(opt_.subjects) + " subjects, FWHM " +
           std::to_string(static_cast<int>(opt_.fwhm)) + ", seed " + std::to_string(opt_.seed);
  }
  long frame_count() const override { return opt_.frames; }

 private:
  ElemType type() const { return opt_.uint8 ? ElemType::kUInt8 : ElemType::kFloat32; }
  // The next frame without its pixels: the scene moved on, ground truth and the scene itself.
  std::optional<Frame> advance() {
    if (opt_.frames >= 0 && index_ >= opt_.frames) return std::nullopt;
    if (index_ > 0 && opt_.animate) scene_.step();
    Frame f;
    f.index = index_++;
    f.timestamp_s = f.index / 60.0;
    std::vector<Point2> gt;
    for (const Subject& s : scene_.subjects()) gt.push_back({s.x, s.y});
    f.ground_truth.push_back(std::move(gt));
    f.scene = std::make_shared<const Scene>(scene_);
    f.scene_type = type();
    return f;
  }

  SyntheticOptions opt_;
  Scene scene_;
  long index_ = 0;
};

}  // namespace

std::unique_ptr<Source> make_synthetic_source(const SyntheticOptions& opt) {
  try {
    return std::make_unique<SyntheticSource>(opt);
  } catch (const std::invalid_argument& e) {
    throw SourceError(std::string("synthetic scene: ") + e.what());
  }
}

SceneConfig scene_config(const SyntheticOptions& o) {
  SceneConfig c;
  c.width = o.width;
  c.height = o.height;
  c.subjects = o.subjects;
  c.fwhm = o.fwhm;
  c.seed = o.seed;
  return c;
}

}  // namespace peakscope::io
