#include "app/viewer/settings.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/enum_names.hpp"

namespace peakscope::viewer {

namespace {
constexpr EnumName<SoftmaxScale> kSoftmaxScaleNames[] = {{SoftmaxScale::kLog, "log"},
                                                         {SoftmaxScale::kLinear, "linear"}};
constexpr EnumName<AllChannelsView> kAllChannelsViewNames[] = {{AllChannelsView::kMax, "max"},
                                                               {AllChannelsView::kGrid, "grid"}};
constexpr EnumName<MarkerKind> kMarkerNames[] = {{MarkerKind::kArgmax, "argmax"},
                                                 {MarkerKind::kSoftArgmax, "softargmax"},
                                                 {MarkerKind::kGroundTruth, "ground_truth"}};
constexpr EnumName<OverlayView> kOverlayNames[] = {
    {OverlayView::kOff, "off"}, {OverlayView::kMax, "max"}, {OverlayView::kAll, "all"}};
}  // namespace

const char* softmax_scale_name(SoftmaxScale s) {
  return enum_name(kSoftmaxScaleNames, s);
}
SoftmaxScale parse_softmax_scale(std::string_view s) {
  return parse_enum(kSoftmaxScaleNames, s, "softmax scale");
}
const char* all_channels_view_name(AllChannelsView v) {
  return enum_name(kAllChannelsViewNames, v);
}
AllChannelsView parse_all_channels_view(std::string_view s) {
  return parse_enum(kAllChannelsViewNames, s, "all-channels view");
}
const char* marker_name(MarkerKind m) {
  return enum_name(kMarkerNames, m);
}
MarkerKind parse_marker(std::string_view s) {
  return parse_enum(kMarkerNames, s, "marker");
}

void Settings::set_beta(double b) {
  validate_beta(b);
  beta_ = b;
}

void Settings::set_channel(int c) {
  if (c < -1)
    throw std::invalid_argument("channel must be -1 (all) or >= 0, got " + std::to_string(c));
  channel_ = c;
}

void Settings::set_marker_visible(MarkerKind m, bool on) {
  if (m == MarkerKind::kCount) throw std::invalid_argument("no such marker kind");
  markers_[static_cast<int>(m)] = on;
}

void Settings::set_fps(double fps) {
  if (!(fps >= kFpsMin && fps <= kFpsMax))
    throw std::invalid_argument("fps must be in [" + std::to_string(int(kFpsMin)) + ", " +
                                std::to_string(int(kFpsMax)) + "], got " + std::to_string(fps));
  fps_ = fps;
}

void Settings::set_hold_s(double s) {
  if (!(s >= 0 && s <= kHoldMax))
    throw std::invalid_argument("hold must be in [0, 3600] s, got " + std::to_string(s));
  hold_s_ = s;
}

void Settings::set_output_dir(std::string dir) {
  if (dir.empty()) throw std::invalid_argument("output folder must not be empty");
  output_dir_ = std::move(dir);
}

void Settings::set_source(std::string spec) {
  if (spec.empty()) throw std::invalid_argument("source must not be empty");
  source_ = std::move(spec);
}

const char* overlay_view_name(OverlayView v) {
  return enum_name(kOverlayNames, v);
}
OverlayView parse_overlay_view(std::string_view s) {
  return parse_enum(kOverlayNames, s, "overlay");
}

void Settings::set_overlay_alpha(double a) {
  if (!(a >= 0 && a <= 1))
    throw std::invalid_argument("overlay alpha must be in [0, 1], got " + std::to_string(a));
  overlay_alpha_ = a;
}

std::string settings_path() {
  namespace fs = std::filesystem;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    return (fs::path(x) / "peakscope" / "viewer.json").string();
  if (const char* h = std::getenv("HOME"); h && *h)
    return (fs::path(h) / ".config" / "peakscope" / "viewer.json").string();
  return "peakscope-viewer.json";
}

Settings load_settings(const std::string& path, std::string* warning) {
  Settings s;
  std::ifstream in(path);
  if (!in) return s;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
    if (!j.is_object()) throw std::invalid_argument("not a JSON object");
  } catch (const std::exception& e) {
    if (warning) *warning = "ignored settings " + path + ": " + e.what();
    return Settings{};
  }
  std::string problems;
  // Each key through its setter; a bad one keeps its default and is named.
  auto apply = [&](const char* key, auto&& set) {
    if (!j.contains(key)) return;
    try {
      set(j.at(key));
    } catch (const std::exception& e) {
      problems += std::string(problems.empty() ? "" : "; ") + key + ": " + e.what();
    }
  };
  apply("beta", [&](const nlohmann::json& v) { s.set_beta(v.get<double>()); });
  apply("normalize", [&](const nlohmann::json& v) { s.set_normalize(v.get<bool>()); });
  apply("colormap",
        [&](const nlohmann::json& v) { s.set_colormap(io::parse_colormap(v.get<std::string>())); });
  apply("softmax_scale", [&](const nlohmann::json& v) {
    s.set_softmax_scale(parse_softmax_scale(v.get<std::string>()));
  });
  apply("channel", [&](const nlohmann::json& v) { s.set_channel(v.get<int>()); });
  apply("all_channels_view", [&](const nlohmann::json& v) {
    s.set_all_channels_view(parse_all_channels_view(v.get<std::string>()));
  });
  apply("backend",
        [&](const nlohmann::json& v) { s.set_backend(parse_backend(v.get<std::string>())); });
  for (int m = 0; m < static_cast<int>(MarkerKind::kCount); ++m) {
    const std::string key = std::string("show_") + marker_name(static_cast<MarkerKind>(m));
    apply(key.c_str(), [&](const nlohmann::json& v) {
      s.set_marker_visible(static_cast<MarkerKind>(m), v.get<bool>());
    });
  }
  apply("fps", [&](const nlohmann::json& v) { s.set_fps(v.get<double>()); });
  apply("hold_s", [&](const nlohmann::json& v) { s.set_hold_s(v.get<double>()); });
  apply("output_dir", [&](const nlohmann::json& v) { s.set_output_dir(v.get<std::string>()); });
  apply("source", [&](const nlohmann::json& v) { s.set_source(v.get<std::string>()); });
  apply("overlay", [&](const nlohmann::json& v) {
    s.set_overlay_view(parse_overlay_view(v.get<std::string>()));
  });
  apply("overlay_alpha", [&](const nlohmann::json& v) { s.set_overlay_alpha(v.get<double>()); });
  if (!problems.empty() && warning) *warning = "settings " + path + ": " + problems;
  return s;
}

void save_settings(const std::string& path, const Settings& s) {
  namespace fs = std::filesystem;
  nlohmann::json j = {{"beta", s.beta()},
                      {"normalize", s.normalize()},
                      {"colormap", io::colormap_name(s.colormap())},
                      {"softmax_scale", softmax_scale_name(s.softmax_scale())},
                      {"channel", s.channel()},
                      {"all_channels_view", all_channels_view_name(s.all_channels_view())},
                      {"backend", backend_name(s.backend())},
                      {"fps", s.fps()},
                      {"hold_s", s.hold_s()},
                      {"output_dir", s.output_dir()},
                      {"source", s.source()},
                      {"overlay", overlay_view_name(s.overlay_view())},
                      {"overlay_alpha", s.overlay_alpha()}};
  for (int m = 0; m < static_cast<int>(MarkerKind::kCount); ++m)
    j[std::string("show_") + marker_name(static_cast<MarkerKind>(m))] =
        s.marker_visible(static_cast<MarkerKind>(m));
  std::error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  // Written beside the target and renamed: never a half-written settings file.
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp);
    if (!(out << j.dump(2) << "\n")) throw std::runtime_error("cannot write settings " + path);
  }
  fs::rename(tmp, p, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error("cannot write settings " + path);
  }
}

}  // namespace peakscope::viewer
