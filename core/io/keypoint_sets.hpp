// Keypoint sets: the names and skeleton of a model's heatmap channels (`--keypoints`), as
// presets for the common datasets or read from a text file. docs/ground-truth.md lists them.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace peakscope::io {

struct KeypointSet {
  std::string name;                           // "coco17", or the file's path
  std::vector<std::string> names;             // one per heatmap channel
  std::vector<std::pair<int, int>> skeleton;  // pairs of channel indices
};

// The presets' names, for messages and help: coco17, mpii16, hand21, face68.
const std::vector<std::string>& keypoint_preset_names();

// "coco17" (COCO's 17 person keypoints), "mpii16" (MPII Human Pose's 16 joints), "hand21"
// (the 21 hand landmarks of MediaPipe Hands and OpenPose), "face68" (the iBUG 300-W 68
// landmarks). Returns nullptr for any other text.
const KeypointSet* keypoint_preset(const std::string& name);

// A names file: one keypoint name per line in channel order; a line "a-b" whose two sides are
// names listed earlier (or channel indices) is a skeleton edge instead; blank lines and lines
// starting with '#' are skipped. Throws std::runtime_error naming the file, the line and the
// reason (a duplicate name, an edge naming an unknown keypoint, no names at all).
KeypointSet parse_keypoint_names(const std::string& text, const std::string& what);

// A preset's name or a names file's path. Throws std::runtime_error naming the text, the
// presets and the reason when it is neither (or when the file is bad).
KeypointSet load_keypoint_set(const std::string& spec);

}  // namespace peakscope::io
