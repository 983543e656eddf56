#include <opencv2/dnn.hpp>

#include "core/io/source.hpp"

namespace peakscope::io {
namespace {

std::string shape_str(const cv::Mat& m) {
  std::string s = "(";
  for (int i = 0; i < m.dims; ++i) s += (i ? ", " : "") + std::to_string(m.size[i]);
  return s + ")";
}

class ModelSource : public Source {
 public:
  ModelSource(std::unique_ptr<Source> frames, const ModelOptions& opt)
      : frames_(std::move(frames)), opt_(opt) {
    if (opt.layout != "nchw" && opt.layout != "nhwc")
      throw SourceError(opt.path + ": output layout must be nchw or nhwc, got " + opt.layout);
    try {
      net_ = cv::dnn::readNetFromONNX(opt.path);
    } catch (const cv::Exception& e) {
      throw SourceError(opt.path + ": the model does not load (" + std::string(e.err) + ")");
    }
    if (net_.empty()) throw SourceError(opt.path + ": the model does not load");
  }

  std::optional<Frame> next() override {
    std::optional<Frame> f = frames_->next();
    if (!f) return std::nullopt;
    if (f->image.empty())
      throw SourceError(opt_.path + ": the source gives no images to run the model on");
    const cv::Size in(opt_.input_width > 0 ? opt_.input_width : f->image.cols,
                      opt_.input_height > 0 ? opt_.input_height : f->image.rows);
    cv::Mat out;
    try {
      const cv::Mat blob =
          cv::dnn::blobFromImage(f->image, opt_.scale, in, opt_.mean, opt_.swap_rb, false);
      net_.setInput(blob);
      out = net_.forward();
    } catch (const cv::Exception& e) {
      throw SourceError(opt_.path + ": inference failed (" + std::string(e.err) + ")");
    }
    if (out.dims != 4 || out.size[0] != 1 || out.type() != CV_32F)
      throw SourceError(opt_.path + ": output " + shape_str(out) +
                        " is not a heatmap stack (expected float 1 x K x H x W or 1 x H x W x K)");
    const bool nchw = opt_.layout == "nchw";
    const int k = nchw ? out.size[1] : out.size[3], h = nchw ? out.size[2] : out.size[1],
              w = nchw ? out.size[3] : out.size[2];
    Heatmap hm(w, h, k, ElemType::kFloat32);
    const float* src = out.ptr<float>();
    for (int c = 0; c < k; ++c)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          hm.f32()[(static_cast<std::size_t>(c) * h + y) * w + x] =
              nchw ? src[(static_cast<std::size_t>(c) * h + y) * w + x]
                   : src[(static_cast<std::size_t>(y) * w + x) * k + c];
    f->heatmap = std::move(hm);
    f->image_scale_x = static_cast<double>(f->image.cols) / w;
    f->image_scale_y = static_cast<double>(f->image.rows) / h;
    f->ground_truth.clear();
    f->input_dtype.clear();  // the heatmap is the model's output, not the file's values
    f->narrowed = false;
    return f;
  }
  std::string describe() const override {
    return "model " + opt_.path + " on " + frames_->describe();
  }
  long frame_count() const override { return frames_->frame_count(); }
  std::string ended_short() const override { return frames_->ended_short(); }
  std::string warning() const override { return frames_->warning(); }
  double frame_interval_s() const override { return frames_->frame_interval_s(); }

 private:
  std::unique_ptr<Source> frames_;
  ModelOptions opt_;
  cv::dnn::Net net_;
};

}  // namespace

std::unique_ptr<Source> make_model_source(std::unique_ptr<Source> frames, const ModelOptions& opt) {
  return std::make_unique<ModelSource>(std::move(frames), opt);
}

}  // namespace peakscope::io
