// annotate_source (core/io/ground_truth_file.hpp): a source whose frames get ground truth from
// a file and keypoint names from a set.
#include <filesystem>
#include <optional>

#include "core/io/ground_truth_file.hpp"

namespace peakscope::io {
namespace {

class AnnotatedSource : public Source {
 public:
  AnnotatedSource(std::unique_ptr<Source> inner, std::optional<GroundTruthFile> gt,
                  std::optional<KeypointSet> set, std::string keypoints_flag)
      : inner_(std::move(inner)),
        gt_(std::move(gt)),
        set_(std::move(set)),
        keypoints_flag_(std::move(keypoints_flag)) {}

  std::optional<Frame> next() override {
    std::optional<Frame> f = inner_->next();
    if (f) annotate(*f, f->heatmap.view().channels);
    return f;
  }
  std::optional<FrameShape> next_shape() override { return inner_->next_shape(); }
  std::optional<Frame> next_into(const MutableHeatmapView& dst) override {
    std::optional<Frame> f = inner_->next_into(dst);
    if (f) annotate(*f, dst.channels);
    return f;
  }
  std::string describe() const override {
    return inner_->describe() + (gt_ ? ", ground truth " + gt_->path : "") +
           (set_ ? ", keypoints " + set_->name : "");
  }
  long frame_count() const override { return inner_->frame_count(); }
  bool seek(long index) override { return inner_->seek(index); }
  std::string ended_short() const override { return inner_->ended_short(); }
  std::string warning() const override {
    std::string w = inner_->warning();
    if (gt_ && seen_ > 0 && matched_ == 0) {
      w += std::string(w.empty() ? "" : "; ") + gt_->path + ": none of the " +
           std::to_string(seen_) + " frame(s) read has ground truth in it" +
           (gt_->by_name.empty() || !named_frames_
                ? " (frames are matched by index)"
                : " (images are matched by file name, e.g. '" + example_name_ + "')");
    }
    return w;
  }
  double frame_interval_s() const override { return inner_->frame_interval_s(); }
  void interrupt() override { inner_->interrupt(); }
  std::string status() const override { return inner_->status(); }

 private:
  void annotate(Frame& f, int channels) {
    if (set_) {
      if (static_cast<int>(set_->names.size()) != channels)
        throw SourceError(
            "--keypoints " + keypoints_flag_ + ": " + std::to_string(set_->names.size()) +
            " keypoint names, but the heatmaps have " + std::to_string(channels) + " channels");
      f.names = set_->names;
      f.skeleton = set_->skeleton;
    } else if (gt_ && !gt_->names.empty() && f.names.empty() &&
               static_cast<int>(gt_->names.size()) == channels) {
      f.names = gt_->names;  // a COCO file's categories
      f.skeleton = gt_->skeleton;
    }
    if (!gt_) return;
    const bool exact = gt_->format != "csv";  // a CSV need not label the last keypoints
    if (exact ? gt_->keypoints != channels : gt_->keypoints > channels)
      throw SourceError(gt_->path + ": " + std::to_string(gt_->keypoints) +
                        " keypoints per person, but the heatmaps have " + std::to_string(channels) +
                        " channels");
    ++seen_;
    if (!f.file_name.empty()) {
      named_frames_ = true;
      example_name_ = std::filesystem::path(f.file_name).filename().string();
    }
    f.ground_truth.clear();
    const GtEntry* e = gt_->find(f.index, f.file_name);
    if (!e) return;
    ++matched_;
    f.ground_truth.assign(static_cast<std::size_t>(channels), {});
    for (const GtPerson& p : e->people)
      for (std::size_t k = 0; k < p.points.size() && k < f.ground_truth.size(); ++k)
        if (p.points[k])
          f.ground_truth[k].push_back(ground_truth_in_heatmap(*gt_, f, *p.points[k]));
  }

  std::unique_ptr<Source> inner_;
  std::optional<GroundTruthFile> gt_;
  std::optional<KeypointSet> set_;
  std::string keypoints_flag_;
  long seen_ = 0, matched_ = 0;
  bool named_frames_ = false;
  std::string example_name_;
};

}  // namespace

std::unique_ptr<Source> annotate_source(std::unique_ptr<Source> src, const AnnotationOptions& opt) {
  std::optional<KeypointSet> set;
  if (!opt.keypoints.empty()) {
    try {
      set = load_keypoint_set(opt.keypoints);
    } catch (const std::runtime_error& e) {
      throw SourceError(e.what());
    }
  }
  std::optional<GroundTruthFile> gt;
  if (!opt.ground_truth.empty()) {
    GtSpace space;
    try {
      space = parse_gt_space(opt.space);
    } catch (const std::invalid_argument& e) {
      throw SourceError(e.what());
    }
    gt = read_ground_truth(opt.ground_truth, space, set ? set->names : std::vector<std::string>{});
    const long n = src->frame_count();
    if (gt->frames >= 0 && n > gt->frames)
      throw SourceError(gt->path + ": ground truth for " + std::to_string(gt->frames) +
                        " frame(s), but " + src->describe() + " has " + std::to_string(n));
  }
  return std::make_unique<AnnotatedSource>(std::move(src), std::move(gt), std::move(set),
                                           opt.keypoints);
}

}  // namespace peakscope::io
