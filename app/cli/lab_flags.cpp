#include "app/cli/lab_flags.hpp"

#include <cmath>

#include "app/cli/csv.hpp"
#include "app/cli/decode_flags.hpp"
#include "app/cli/json_number.hpp"
#include "app/common/flags.hpp"

namespace peakscope::cli {

void add_lab_flags(CLI::App& app, LabFlags& f) {
  app.add_option("--decoders", f.decoders,
                 "extra decoders per channel: argmax,softargmax,quarter,dark,dark-udp,window,"
                 "centroid,mediapipe,debiased or all");
  app.add_option("--coords", f.coords,
                 "convention of the decoders' positions: index | half | dsnt | corner | image")
      ->check(common::parsed_by(parse_coord_system))
      ->capture_default_str();
  app.add_option("--input-size", f.input_size, "network input WxH (for --coords image)");
  app.add_flag("--udp", f.udp, "--coords image with UDP's (input - 1) / (W - 1) scale");
  // Through parse_beta, the one parser of a user's beta (its message on a bad value).
  app.add_option("--window-beta", f.window_beta, "beta of the window decoder (default: --beta)")
      ->check(common::parsed_by(parse_beta));
  app.add_option("--window-radius", f.params.window_radius, "window decoder: (2r+1)^2 pixels")
      ->capture_default_str();
  app.add_option("--dark-kernel", f.params.dark_kernel, "DARK's Gaussian blur kernel (odd)")
      ->capture_default_str();
  app.add_option("--centroid-size", f.params.centroid_size, "centroid window (odd)")
      ->capture_default_str();
  app.add_option("--mediapipe-size", f.params.mediapipe_size, "MediaPipe window (odd)")
      ->capture_default_str();
  app.add_option("--mediapipe-threshold", f.params.mediapipe_threshold,
                 "MediaPipe refines when the window's max sigmoid reaches this")
      ->capture_default_str();
}

Lab resolve_lab(const LabFlags& f, double beta) {
  Lab lab;
  try {
    lab.coords.system = parse_coord_system(f.coords);
    if (!f.input_size.empty())
      parse_input_size(f.input_size, lab.coords.input_width, lab.coords.input_height);
    lab.coords.udp = f.udp;
    if (lab.coords.system != CoordSystem::kImage && (!f.input_size.empty() || f.udp))
      throw std::invalid_argument("--input-size and --udp apply only to --coords image");
    lab.coords.validate();
    lab.params = f.params;
    lab.params.window_beta = std::isnan(f.window_beta) ? beta : f.window_beta;
    lab.params.validate();
    if (!f.decoders.empty())
      lab.decoders = parse_decoder_list(f.decoders);
    else if (lab.coords.system != CoordSystem::kIndex)
      lab.decoders = {DecoderKind::kArgmax, DecoderKind::kSoftargmax};
  } catch (const UsageError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return lab;
}

void Lab::describe(nlohmann::ordered_json& header) const {
  header["coords"] = coords.name();
  if (coords.system == CoordSystem::kImage) {
    header["input_size"] =
        std::to_string(coords.input_width) + "x" + std::to_string(coords.input_height);
    header["udp"] = coords.udp;
  }
}

nlohmann::ordered_json Lab::channel_json(const std::vector<DecodedPoint>& points, int width,
                                         int height) const {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < decoders.size() && i < points.size(); ++i) {
    const DecodedPoint& p = points[i];
    const CoordPoint q = to_convention({p.x, p.y}, width, height, coords);
    nlohmann::ordered_json d = {
        {"x", json_num(q.x)}, {"y", json_num(q.y)}, {"score", json_num(p.score)}};
    if (!p.valid) d["valid"] = false;
    out[decoder_name(decoders[i])] = std::move(d);
  }
  return out;
}

std::string Lab::csv_header() const {
  std::string s;
  const std::string conv = coords.name();
  for (DecoderKind k : decoders) {
    const std::string n = decoder_name(k);
    s += "," + n + "_x_" + conv + "," + n + "_y_" + conv;
  }
  return s;
}

std::string Lab::csv_values(const std::vector<DecodedPoint>& points, int width, int height) const {
  std::string s;
  for (std::size_t i = 0; i < decoders.size() && i < points.size(); ++i) {
    const CoordPoint q = to_convention({points[i].x, points[i].y}, width, height, coords);
    s += "," + csv_num(q.x) + "," + csv_num(q.y);
  }
  return s;
}

}  // namespace peakscope::cli
