// Ground truth for real data (`--ground-truth FILE`): a COCO keypoint JSON, a CSV of points or
// a .npy of N x K x 2|3 coordinates, read strictly (every bad file is refused with the file, the
// line or entry and the reason), matched to a source's frames and mapped into heatmap pixels.
// docs/ground-truth.md describes the formats, the matching rules and the coordinate spaces.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/io/keypoint_sets.hpp"
#include "core/io/npy.hpp"
#include "core/io/source.hpp"

namespace peakscope::io {

// The space a file's coordinates are in: image pixels (heatmap_to_image's target: the frame's
// pixels) or heatmap pixels (the channel's grid). Both have pixel centres at integers.
enum class GtSpace { kAuto, kImage, kHeatmap };
// "auto", "image" or "heatmap"; throws std::invalid_argument naming the text.
GtSpace parse_gt_space(const std::string& text);

// One annotated person (or object): a point per keypoint, nullopt where not labelled, and the
// box around it in the file's space (w = 0: the file gives none).
struct GtPerson {
  std::vector<std::optional<Point2>> points;
  Box box;
};
struct GtEntry {
  std::vector<GtPerson> people;
};

struct GroundTruthFile {
  std::string path;
  std::string format;               // "coco", "csv" or "npy"
  GtSpace space = GtSpace::kImage;  // resolved: never kAuto
  int keypoints = 0;                // K: points per person
  // COCO's categories[].keypoints and skeleton (0-based), when the file has them.
  std::vector<std::string> names;
  std::vector<std::pair<int, int>> skeleton;
  std::vector<GtEntry> entries;
  std::map<std::string, std::size_t> by_name;  // COCO: images[].file_name's last part -> entry
  std::map<long, std::size_t> by_index;        // source frame index -> entry
  long frames = -1;                            // .npy: N, the frames it covers; -1 otherwise

  // The entry of a frame: by the image's file name when the source has file names and the file
  // names its images (COCO), otherwise by the frame index. nullptr: the frame is not annotated.
  const GtEntry* find(long index, const std::string& file_name) const;
};

// Parsers of each format. `what` names the input in messages; `space` kAuto resolves to image
// for COCO and CSV, heatmap for .npy. The CSV's keypoint column may hold names from `names`.
// Each throws SourceError naming `what`, the line or entry and the reason.
GroundTruthFile parse_coco_ground_truth(const std::string& text, const std::string& what,
                                        GtSpace space);
GroundTruthFile parse_csv_ground_truth(const std::string& text, const std::string& what,
                                       GtSpace space, const std::vector<std::string>& names = {});
GroundTruthFile npy_ground_truth(const NpyArray& a, const std::string& what, GtSpace space);

// Reads `path` by its extension (.json, .csv, .npy). Throws SourceError as the parsers do, and
// for a missing or unreadable file or an unknown extension.
GroundTruthFile read_ground_truth(const std::string& path, GtSpace space,
                                  const std::vector<std::string>& names = {});

// The inverse of heatmap_to_image for frame f: image pixels -> heatmap pixels.
Point2 image_to_heatmap(const Frame& f, double x, double y);
// A point of `gt` (in its space) in frame f's heatmap pixels.
Point2 ground_truth_in_heatmap(const GroundTruthFile& gt, const Frame& f, const Point2& p);

// The box of a person (file space): the file's, else the extent of its labelled points (at
// least 1 x 1); w = 0 when it has no labelled point.
Box person_box(const GtPerson& p);

// `src` with each (AnnotationOptions: core/io/source.hpp) frame's ground_truth (heatmap pixels)
// filled from the file and its names and skeleton from the keypoint set (else from a COCO file's
// categories). Reads the files now: throws SourceError naming the file and the reason; also when a
// .npy covers fewer frames than the source declares. A frame whose channel count differs from the
// file's keypoints (or the set's names) throws SourceError naming both counts from next().
std::unique_ptr<Source> annotate_source(std::unique_ptr<Source> src, const AnnotationOptions& opt);

}  // namespace peakscope::io
