#include <chrono>

#include "core/io/source.hpp"
#include "core/scene.hpp"

namespace peakscope::io {
namespace {

class SyntheticSource : public Source {
 public:
  explicit SyntheticSource(const SyntheticOptions& o) : opt_(o), scene_(scene_config(o)) {}

  std::optional<Frame> next() override {
    if (opt_.frames >= 0 && index_ >= opt_.frames) return std::nullopt;
    if (index_ > 0 && opt_.animate) scene_.step();
    Frame f;
    f.index = index_++;
    f.timestamp_s = f.index / 60.0;
    f.heatmap = scene_.render(opt_.uint8 ? ElemType::kUInt8 : ElemType::kFloat32);
    std::vector<Point2> gt;
    for (const Subject& s : scene_.subjects()) gt.push_back({s.x, s.y});
    f.ground_truth.push_back(std::move(gt));
    return f;
  }
  std::string describe() const override {
    return "synthetic " + std::to_string(opt_.width) + "x" + std::to_string(opt_.height) + ", " +
           std::to_string(opt_.subjects) + " subjects, FWHM " +
           std::to_string(static_cast<int>(opt_.fwhm)) + ", seed " + std::to_string(opt_.seed);
  }
  long frame_count() const override { return opt_.frames; }

 private:
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
