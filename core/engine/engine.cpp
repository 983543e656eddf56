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

std::vector<Keypoint> Engine::decode_scene(const Scene& scene, bool per_subject, ElemType type,
                                           const DecodeOptions& opt) {
  scene_frame_ = per_subject ? scene.render_per_subject(type) : scene.render(type);
  return decode(scene_frame_.view(), opt);
}

MutableHeatmapView Engine::acquire_frame(ElemType type, int width, int height, int channels) {
  if (width <= 0 || height <= 0 || channels <= 0)
    throw std::invalid_argument("acquire_frame: bad size " + std::to_string(channels) + " x " +
                                std::to_string(height) + " x " + std::to_string(width));
  if (!acquired_frame_.has_shape(type, width, height, channels))
    acquired_frame_ = Heatmap(width, height, channels, type);
  acquired_ = true;
  return acquired_frame_.mutable_view();
}

std::vector<Keypoint> Engine::decode_acquired(const DecodeOptions& opt) {
  opt.validate();
  if (!acquired_) throw std::logic_error("decode_acquired without acquire_frame");
  acquired_ = false;
  return decode(acquired_frame_.view(), opt);
}

std::vector<PeakWindow> Engine::last_windows(int) {
  throw std::logic_error(description() + " has no decoding-lab windows");
}

double Engine::last_blurred_max(int, int) {
  throw std::logic_error(description() + " has no decoding-lab blurred maximum");
}

BetaGrid Engine::last_beta_grid(const std::vector<double>&, bool, bool) {
  throw std::logic_error(description() + " has no decoding-lab beta grid");
}

}  // namespace peakscope
