// The numbers the viewer's readouts print, without any window: a decoded point in the chosen
// coordinate convention (image coordinates through the region the model saw, as the CLI maps
// them), whether a frame has an image mapping at all, the effective beta of a channel and the
// text of an invalid channel. The panels (readouts, decoders, hover) and the scripted report
// call these, so the screen and the report cannot disagree. No ImGui, GL or GLFW:
// unit-tested in tests/app/view_numbers_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/decode.hpp"
#include "core/io/source.hpp"
#include "core/lab/coords.hpp"

namespace peakscope::viewer {

// Whether frame f's heatmap cells have a place on an image: f has an image (the frame's
// image_scale / image_offset place the map on it: io::heatmap_to_image), or f is the synthetic
// scene (the scene's image is the heatmap's grid). A .npy or a stream without an image has
// none: the image convention then says "no image mapping" instead of repeating the index.
bool has_image_mapping(const io::Frame& f);

// Point (x, y) of f's heatmap (index convention) in `conv`, as the viewer prints it. The image
// convention maps through the region the model saw, not conv's input size: without udp
// io::heatmap_to_image(f, x, y) (what peakscope-cli decode writes as argmax_image); with udp
// UDP's (scale W - 1) / (W - 1) over the same region (GridMapping::of(f, true), overlay.hpp).
// nullopt for the image convention when f has no image mapping.
std::optional<CoordPoint> readout_point(const io::Frame& f, double x, double y,
                                        const CoordConvention& conv);

// The convention the decoders panel sets for "image" / "image (UDP)" on frame f: kImage with
// the input size the frame's region spans (at least 1; the viewer maps with readout_point, the
// size only names it).
CoordConvention image_convention(const io::Frame& f, bool udp);

// The readouts' convention named on the command line (--coords): index, half, dsnt, corner,
// image or image-udp (image with UDP's scale). Throws std::invalid_argument naming the text
// and the names.
CoordConvention parse_viewer_coords(std::string_view s);

// The beta actually applied to channel k's values under `opt` (core/decode.hpp's
// effective_beta over the channel's maximum, the one softmax_at uses); `opt.beta` for an
// invalid channel.
double channel_beta_eff(const Keypoint& k, const DecodeOptions& opt);
// Whether normalise changes any valid channel's beta (the readouts then show beta_eff).
bool beta_eff_differs(const Keypoint& k, const DecodeOptions& opt);

// What the readouts print for a channel with no valid pixel (all NaN / -Inf).
inline constexpr const char* kInvalidText = "invalid";
inline constexpr const char* kInvalidWhy = "no finite value (all NaN or -Inf)";

}  // namespace peakscope::viewer
