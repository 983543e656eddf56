#include <algorithm>
#include <filesystem>

#include "core/io/ground_truth_file.hpp"
#include "core/io/source.hpp"

namespace peakscope::io {

namespace {
std::string lower_ext(const std::string& spec) {
  std::string e = std::filesystem::path(spec).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), ::tolower);
  return e;
}
}  // namespace

std::optional<Frame> Source::next_into(const MutableHeatmapView& dst) {
  std::optional<Frame> f = next();
  if (!f) return f;
  copy_heatmap(f->heatmap.view(), dst);
  f->heatmap = Heatmap();
  return f;
}

namespace {
std::unique_ptr<Source> open_plain_source(const std::string& spec, const SourceOptions& opt) {
  std::unique_ptr<Source> src;
  const std::string ext = lower_ext(spec);
  CaptureOptions capture = opt.capture;
  capture.frames_only = !opt.model.path.empty();
  if (spec.rfind("stream:", 0) == 0) {
    if (!opt.model.path.empty()) throw SourceError(spec + ": a stream cannot go through --model");
    return make_stream_source(spec, opt.stream);
  }
  if (spec.empty() || spec == "synthetic") {
    src = make_synthetic_source(opt.synthetic);
  } else if (spec.rfind("camera:", 0) == 0) {
    src = make_video_source(spec, capture);
  } else if (ext == ".npy") {
    src = make_npy_source(spec, opt.npy);
  } else if (ext == ".mp4" || ext == ".avi" || ext == ".mkv" || ext == ".mov" || ext == ".webm" ||
             ext == ".mpg" || ext == ".mpeg" || ext == ".m4v") {
    if (!std::filesystem::exists(spec)) throw SourceError(spec + ": no such file");
    src = make_video_source(spec, capture);
  } else {
    src = make_image_source(spec, opt.images);
  }
  if (!opt.model.path.empty()) {
    if (!std::filesystem::exists(opt.model.path))
      throw SourceError(opt.model.pose ? pose_model_problem(*opt.model.pose)  // says how to get it
                                       : opt.model.path + ": no such model file");
    src = make_model_source(std::move(src), opt.model);
  }
  return src;
}

}  // namespace

std::unique_ptr<Source> open_source(const std::string& spec, const SourceOptions& opt) {
  std::unique_ptr<Source> src = open_plain_source(spec, opt);
  if (opt.annotation.active()) src = annotate_source(std::move(src), opt.annotation);
  return src;
}

}  // namespace peakscope::io
