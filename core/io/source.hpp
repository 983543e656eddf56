// Frame sources: one interface for the synthetic scene, camera, video, images and .npy
// stacks. A source is used from one thread at a time (the viewer's worker, or the CLI).
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/decode.hpp"
#include "core/engine/frame.hpp"
#include "core/heatmap.hpp"
#include "core/io/pose_preset.hpp"
#include "core/io/transforms.hpp"
#include "core/scene.hpp"

namespace peakscope::io {

struct Point2 {
  double x = 0, y = 0;
};

struct StreamFrameInfo;  // core/io/stream_message.hpp

// One frame: a K x H x W heatmap (float32 or uint8), optionally the BGR image it came from
// (same size as the heatmap or larger: `image_scale` maps heatmap pixels to image pixels)
// and ground-truth points per channel (empty when unknown).
struct Frame {
  long index = 0;
  double timestamp_s = 0;
  Heatmap heatmap;
  cv::Mat image;
  double image_scale_x = 1, image_scale_y = 1;
  std::vector<std::vector<Point2>> ground_truth;  // [channel] -> points
  // The element type read from the file ("float64", "uint16", "uint8"...), empty when the
  // heatmap is computed (synthetic scene, capture transform, model). narrowed: the values were
  // converted to a type of less precision or range (float64 -> float32; see docs/conventions.md).
  std::string input_dtype;
  bool narrowed = false;
  // Where the heatmap's grid starts in the image (a model fed a crop of the frame, --roi or
  // --pose): heatmap_to_image gives the full mapping. 0 for every other source.
  double image_offset_x = 0, image_offset_y = 0;
  // --pose: the preset (names, skeleton), the model's own regressed landmarks in image pixels
  // (for comparison with the decoded heatmaps), the presence flag and the region it saw.
  const PosePreset* pose = nullptr;
  std::vector<Landmark> landmarks;
  double pose_presence = 0;
  Box model_box;
  // The synthetic source: the scene at this frame, whose render(scene_type) is the heatmap (an
  // engine can render it itself: core/scene_frame.hpp). Null for every other source.
  std::shared_ptr<const Scene> scene;
  ElemType scene_type = ElemType::kFloat32;
  // Keypoint names (one per channel, or empty) and the skeleton (pairs of channel indices) a
  // source without a pose preset knows: a live stream's sender gives them.
  std::vector<std::string> names;
  std::vector<std::pair<int, int>> skeleton;
  // A live stream (core/io/stream_source.hpp): the sender's step and clock, the counts of
  // dropped, skipped and malformed frames, the back-channel. Null for every other source.
  std::shared_ptr<const StreamFrameInfo> stream;
  // Image files (a folder, a glob, one image): the file this frame was read from; else empty.
  std::string file_name;
};

// The element type and sizes of a frame, known before its pixels are read.
using peakscope::FrameShape;

// A heatmap point (pixel centres at integers) in image pixels: each heatmap pixel covers
// image_scale image pixels, the grid starting at image_offset (edge coordinates).
inline Point2 heatmap_to_image(const Frame& f, double x, double y) {
  return {(x + 0.5) * f.image_scale_x - 0.5 + f.image_offset_x,
          (y + 0.5) * f.image_scale_y - 0.5 + f.image_offset_y};
}

// Error of a soft-argmax against the ground truth of channel c: the distance to the
// ground-truth point nearest the argmax (the peak the decoder aims at). -1 when unknown.
double ground_truth_error(const Frame& f, int c, const Keypoint& k);

// A source failed: the message names the input and the reason.
struct SourceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Source {
 public:
  virtual ~Source() = default;
  // The next frame, or nullopt at the end. Throws SourceError on a read failure.
  virtual std::optional<Frame> next() = 0;
  // Frames written straight into caller memory (an engine's frame memory: no host copy).
  // next_shape: the shape of the frame the next call would return, without reading it;
  // nullopt at the end, or when the source cannot say before reading (then call next()).
  virtual std::optional<FrameShape> next_shape() { return std::nullopt; }
  // The next frame with its pixels written into dst (sizes and type as next_shape() said; any
  // strides) and its heatmap left empty; every other field as next() fills it. nullopt at the
  // end. Throws SourceError as next() does (dst is then undefined) and std::invalid_argument
  // when dst does not have the frame's shape. This default reads next() and copies.
  virtual std::optional<Frame> next_into(const MutableHeatmapView& dst);
  // Human-readable description, e.g. "synthetic 512x512, 4 subjects".
  virtual std::string describe() const = 0;
  // Total frames when known (files), -1 otherwise (camera, synthetic). For videos, the count
  // the container's header declares.
  virtual long frame_count() const { return -1; }
  // Makes frame `index` (0-based, < frame_count()) the one the next next() returns. False
  // when the source cannot seek (live sources; the default): the caller reopens it and reads
  // forward. Throws SourceError as next() does.
  virtual bool seek(long /*index*/) { return false; }
  // After next() returned nullopt: empty when the source ended as announced; otherwise why
  // it ended early, e.g. "stopped after 68 of 444 frames" (a truncated or damaged video).
  virtual std::string ended_short() const { return {}; }
  // A problem that did not stop the source (e.g. float64 values beyond float32's range that
  // became +-Inf); empty when none.
  virtual std::string warning() const { return {}; }
  // Seconds between frames when played live (the viewer's pacing); 0: no preference.
  virtual double frame_interval_s() const { return 0; }
  // From any thread: a next() waiting for input (a live stream) returns nullopt soon, and so
  // does every later call. Sources that never wait ignore it.
  virtual void interrupt() {}
  // From any thread: one line on the state of a live source ("waiting for frames on ...",
  // counts of frames, skipped and malformed messages); empty for other sources.
  virtual std::string status() const { return {}; }
};

struct SyntheticOptions {
  int width = 512, height = 512, subjects = 4;
  double fwhm = 60;
  unsigned long long seed = 1;
  bool animate = true;
  bool uint8 = false;
  long frames = -1;  // -1: endless
  // Frames carry the scene and its ground truth but no pixels: the engine that decodes them
  // makes each frame itself (peakscope-cli decode gpu-synthetic; on the GPU in device memory).
  bool without_pixels = false;
};
std::unique_ptr<Source> make_synthetic_source(const SyntheticOptions& opt);
// The core scene these options describe (size, subjects, FWHM, seed).
SceneConfig scene_config(const SyntheticOptions& opt);

// Image files read at their depth: 8-bit images give uint8 grey levels 0..255; 16-bit images
// give their integer values 0..65535 and float images (TIFF, EXR, PFM) their values, both as
// float32. Colour images are converted to grey (OpenCV's BGR2GRAY weights). Alpha is a mask:
// pixels with alpha 0 are NaN (never the argmax, probability 0), other alpha is ignored.
struct ImageOptions {
  double fps = 20;    // images per second when played live (folders and globs)
  double hold_s = 0;  // > 0: show each image this many seconds (overrides fps)
};

// A single image file, a folder (its images in name order) or a glob of images.
std::unique_ptr<Source> make_image_source(const std::string& path, const ImageOptions& opt = {});

// A video or camera: the capture transform (core/io/transforms.hpp) and the camera's settings.
struct CaptureOptions : TransformOptions {
  int camera_width = 0, camera_height = 0;  // 0: the camera's default
  double camera_fps = 0;
  // A model computes the heatmaps (open_source sets this): frames carry only their image.
  bool frames_only = false;
};

// ONNX heatmap model run through OpenCV's dnn on each frame of an image/video/camera source.
struct ModelOptions {
  std::string path;                       // .onnx; empty: no model
  int input_width = 0, input_height = 0;  // 0: the frame's size
  double scale = 1.0 / 255;               // input = (pixel - mean) * scale
  cv::Scalar mean{0, 0, 0};
  bool swap_rb = true;          // BGR frames -> RGB model input
  std::string layout = "nchw";  // output layout: "nchw" (1 x K x H x W) or "nhwc"
  // The region of each frame the model sees (--roi; core/io/pose_preset.hpp). kNone: the
  // whole frame stretched to the input size.
  RoiSpec roi;
  // --pose: the preset whose named outputs are read (heatmap stack, landmarks, presence).
  const PosePreset* pose = nullptr;
};

// A .npy stack's axis order (--layout): "nchw" (H x W, K x H x W, N x K x H x W), "nhwc"
// (H x W x K, N x H x W x K: transposed to K x H x W as it is read), or empty (not given:
// nchw, with a warning() naming the shape when the last axis looks like channels).
struct NpyOptions {
  std::string layout;
};

// A live stream (`stream:ENDPOINT`, core/io/stream_source.hpp).
struct StreamOptions {
  // Keep only the newest waiting frame (the viewer) instead of every frame in order (the CLI).
  bool newest_only = false;
  // > 0: the stream ends after this many seconds without a frame; 0: it waits for ever.
  double idle_timeout_s = 0;
  // TCP on an address other than 127.0.0.1 (--listen-all); refused otherwise.
  bool allow_remote = false;
};

// --ground-truth FILE, --ground-truth-space and --keypoints (core/io/ground_truth_file.hpp):
// applied to every source open_source opens.
struct AnnotationOptions {
  std::string ground_truth;    // a COCO .json, .csv or .npy; empty: none
  std::string space = "auto";  // auto | image | heatmap
  std::string keypoints;       // a preset (coco17...) or a names file; empty: none
  bool active() const { return !ground_truth.empty() || !keypoints.empty(); }
};

struct SourceOptions {
  AnnotationOptions annotation;
  CaptureOptions capture;
  StreamOptions stream;
  ImageOptions images;
  ModelOptions model;
  SyntheticOptions synthetic;
  NpyOptions npy;
};

// A .npy heatmap dump: H x W, K x H x W or N x K x H x W (N frames), or channels last with
// opt.layout "nhwc". Throws SourceError naming the path (a bad layout included).
std::unique_ptr<Source> make_npy_source(const std::string& path, const NpyOptions& opt = {});
// A video file (or "camera:N") turned into heatmaps by the capture transform.
std::unique_ptr<Source> make_video_source(const std::string& spec, const CaptureOptions& opt);
// Wraps a source of images: each frame's image is run through the model.
std::unique_ptr<Source> make_model_source(std::unique_ptr<Source> frames, const ModelOptions& opt);

// A live stream: "stream:" (the default endpoint) or "stream:ipc://PATH" /
// "stream:tcp://127.0.0.1:PORT" (core/io/stream_source.hpp, docs/stream.md).
std::unique_ptr<Source> make_stream_source(const std::string& spec, const StreamOptions& opt);

// Opens whatever `spec` names: "synthetic", "camera:N", "stream:...", a .npy file, a video, an
// image, a folder or a glob of images; with opt.model.path set, frames go through the model.
// Throws SourceError naming the input and the reason.
std::unique_ptr<Source> open_source(const std::string& spec, const SourceOptions& opt = {});

}  // namespace peakscope::io
