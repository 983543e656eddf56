#include "app/viewer/readouts.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "app/viewer/overlay.hpp"

namespace peakscope::viewer {

bool has_image_mapping(const io::Frame& f) {
  return !f.image.empty() || f.scene != nullptr;
}

std::optional<CoordPoint> readout_point(const io::Frame& f, double x, double y,
                                        const CoordConvention& conv) {
  if (conv.system != CoordSystem::kImage)
    return to_convention({x, y}, f.heatmap.width(), f.heatmap.height(), conv);
  if (!has_image_mapping(f)) return std::nullopt;
  const io::Point2 p =
      conv.udp ? GridMapping::of(f, true).to_image(x, y) : io::heatmap_to_image(f, x, y);
  return CoordPoint{p.x, p.y};
}

CoordConvention image_convention(const io::Frame& f, bool udp) {
  CoordConvention c;
  c.system = CoordSystem::kImage;
  c.udp = udp;
  c.input_width = std::max(1, static_cast<int>(std::lround(f.image_scale_x * f.heatmap.width())));
  c.input_height = std::max(1, static_cast<int>(std::lround(f.image_scale_y * f.heatmap.height())));
  return c;
}

CoordConvention parse_viewer_coords(std::string_view s) {
  CoordConvention c;
  const bool udp = s == "image-udp";
  try {
    c.system = udp ? CoordSystem::kImage : parse_coord_system(s);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(
        "--coords must be index, half, dsnt, corner, image or image-udp, "
        "got '" +
        std::string(s) + "'");
  }
  if (c.system == CoordSystem::kImage) {  // mapped by readout_point: the size only names it
    c.input_width = c.input_height = 1;
    c.udp = udp;
  }
  return c;
}

double channel_beta_eff(const Keypoint& k, const DecodeOptions& opt) {
  return channel_effective_beta(opt, k);  // the CLI's rule (core/decode.hpp)
}

bool beta_eff_differs(const Keypoint& k, const DecodeOptions& opt) {
  return k.valid && channel_beta_eff(k, opt) != opt.beta;
}

}  // namespace peakscope::viewer
