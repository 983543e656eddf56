#include <opencv2/dnn.hpp>

#include "core/io/opencv_errors.hpp"
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
      // OpenCV's dnn logs its own lines about a model it rejects; the SourceError says it once.
      const QuietOpenCvLog quiet;
      net_ = cv::dnn::readNetFromONNX(opt.path);
    } catch (const cv::Exception& e) {
      throw SourceError(opt.path + ": the model does not load (" + opencv_reason(e) + ")");
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
    std::vector<cv::Mat> pose_outs;
    // --roi / --pose: the model sees `box`, a region of the frame padded to the input's aspect
    // (black outside the frame); RoiMode::kNone keeps the whole frame stretched to the input.
    const Box box = region(f->image.size(), in);
    try {
      const QuietOpenCvLog quiet;
      const cv::Mat seen =
          opt_.roi.mode == RoiMode::kNone ? f->image : crop_to_input(f->image, box, in);
      const cv::Mat blob =
          cv::dnn::blobFromImage(seen, opt_.scale, in, opt_.mean, opt_.swap_rb, false);
      net_.setInput(blob);
      if (opt_.pose) {
        net_.forward(pose_outs,
                     std::vector<cv::String>{opt_.pose->heatmap_output, opt_.pose->landmark_output,
                                             opt_.pose->flag_output});
        out = pose_outs[0];
      } else {
        out = net_.forward();
      }
    } catch (const cv::Exception& e) {
      throw SourceError(opt_.path + ": inference failed (" + opencv_reason(e) + ")");
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
    f->scene = nullptr;  // the network's output, not the scene that made the input frame
    f->image_scale_x = box.w / w;
    f->image_scale_y = box.h / h;
    f->image_offset_x = box.x;
    f->image_offset_y = box.y;
    f->ground_truth.clear();
    f->input_dtype.clear();  // the heatmap is the model's output, not the file's values
    f->narrowed = false;
    if (opt_.pose) attach_pose(*f, pose_outs, box, in);
    return f;
  }
  // The region the model sees on this frame (edge coordinates; see pose_preset.hpp).
  Box region(cv::Size frame, cv::Size in) const {
    const Box whole{0, 0, static_cast<double>(frame.width), static_cast<double>(frame.height)};
    switch (opt_.roi.mode) {
      case RoiMode::kNone:
        return whole;
      case RoiMode::kFull:
        return fit_aspect(whole, in.width, in.height);
      case RoiMode::kFixed:
        return fit_aspect(opt_.roi.box, in.width, in.height);
      case RoiMode::kTrack:
        return fit_aspect(tracked_.value_or(opt_.roi.box.w > 0 ? opt_.roi.box : whole), in.width,
                          in.height);
    }
    return whole;
  }

  // --pose: the regressed landmarks and presence flag in frame pixels; with --roi track, the
  // next frame's region (MediaPipe's tracking; the start box again once the person is lost).
  void attach_pose(Frame& f, const std::vector<cv::Mat>& outs, const Box& box, cv::Size in) {
    try {
      f.landmarks = decode_landmarks(outs[1], opt_.pose->landmark_stride, box, in.width, in.height);
    } catch (const std::invalid_argument& e) {
      throw SourceError(opt_.path + ": " + opt_.pose->landmark_output + ": " + e.what());
    }
    if (outs[2].total() != 1 || outs[2].type() != CV_32F)
      throw SourceError(opt_.path + ": " + opt_.pose->flag_output + " is not one probability");
    f.pose = opt_.pose;
    f.pose_presence = outs[2].at<float>(0);
    f.model_box = box;
    if (opt_.roi.mode == RoiMode::kTrack) tracked_ = tracking_box(f.landmarks, f.pose_presence);
  }

  std::string describe() const override {
    return "model " + opt_.path + " on " + frames_->describe();
  }
  long frame_count() const override { return frames_->frame_count(); }
  bool seek(long index) override { return frames_->seek(index); }
  std::string ended_short() const override { return frames_->ended_short(); }
  std::string warning() const override { return frames_->warning(); }
  double frame_interval_s() const override { return frames_->frame_interval_s(); }

 private:
  std::unique_ptr<Source> frames_;
  ModelOptions opt_;
  cv::dnn::Net net_;
  std::optional<Box> tracked_;  // RoiMode::kTrack: the region for the next frame
};

}  // namespace

std::unique_ptr<Source> make_model_source(std::unique_ptr<Source> frames, const ModelOptions& opt) {
  return std::make_unique<ModelSource>(std::move(frames), opt);
}

}  // namespace peakscope::io
