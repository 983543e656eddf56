#include "app/viewer/settings.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/enum_names.hpp"
#include "core/io/output_file.hpp"

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

std::vector<int> parse_channel_list(std::string_view text) {
  const std::string all(text);
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("channel list '" + all + "': " + why);
  };
  auto number = [&](const std::string& t) {
    if (t.empty() || t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos)
      throw bad("'" + t + "' is not a channel number (0, 1, ...)");
    return std::stoi(t);
  };
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= all.size()) {
    const std::size_t comma = std::min(all.find(',', start), all.size());
    const std::string item = all.substr(start, comma - start);
    const std::size_t dash = item.find('-');
    if (dash == std::string::npos) {
      out.push_back(number(item));
    } else {
      const int a = number(item.substr(0, dash)), b = number(item.substr(dash + 1));
      if (b < a) throw bad("the range " + item + " runs backwards");
      for (int c = a; c <= b; ++c) out.push_back(c);
    }
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string channel_list_text(const std::vector<int>& channels) {
  std::string s;
  for (std::size_t i = 0; i < channels.size();) {
    std::size_t j = i;
    while (j + 1 < channels.size() && channels[j + 1] == channels[j] + 1) ++j;
    if (!s.empty()) s += ',';
    s += std::to_string(channels[i]);
    if (j > i) {
      s.push_back(j == i + 1 ? ',' : '-');
      s.append(std::to_string(channels[j]));
    }
    i = j + 1;
  }
  return s;
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

void Settings::set_marker_size(double f) {
  if (!(f >= kMarkerSizeMin && f <= kMarkerSizeMax))
    throw std::invalid_argument("marker size must be in [0.25, 4], got " + std::to_string(f));
  marker_size_ = f;
}

void Settings::set_marker_alpha(double a) {
  if (!(a >= kMarkerAlphaMin && a <= 1))
    throw std::invalid_argument("marker alpha must be in [0.05, 1], got " + std::to_string(a));
  marker_alpha_ = a;
}

void Settings::set_ui_scale(double f) {
  if (!(f == 0 || (f >= kUiScaleMin && f <= kUiScaleMax)))
    throw std::invalid_argument("UI scale must be 0 (auto) or in [0.5, 4], got " +
                                std::to_string(f));
  ui_scale_ = f;
}

std::string source_to_offer(const Settings& s) {
  return s.source() != "synthetic" ? s.source() : s.last_source();
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
  apply("channel", [&](const nlohmann::json& v) {
    // Checked as the number it is before it becomes an int: 1e10 must not wrap, nor 1e300
    // turn into -2147483648.
    const double c = v.get<double>();
    if (!(c >= -1 && c <= std::numeric_limits<int>::max() && c == std::floor(c)))
      throw std::invalid_argument("channel must be a whole number from -1 (all) to " +
                                  std::to_string(std::numeric_limits<int>::max()) + ", got " +
                                  v.dump());
    s.set_channel(static_cast<int>(c));
  });
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
  // The source of the last run is offered (last_source), not opened: the default stays the
  // synthetic scene. "source" is the key files written before last_source existed use.
  for (const char* key : {"source", "last_source"})
    apply(key, [&](const nlohmann::json& v) {
      const std::string spec = v.get<std::string>();
      if (spec != "synthetic") s.set_last_source(spec);
    });
  apply("overlay", [&](const nlohmann::json& v) {
    s.set_overlay_view(parse_overlay_view(v.get<std::string>()));
  });
  apply("overlay_alpha", [&](const nlohmann::json& v) { s.set_overlay_alpha(v.get<double>()); });
  apply("marker_size", [&](const nlohmann::json& v) { s.set_marker_size(v.get<double>()); });
  apply("marker_alpha", [&](const nlohmann::json& v) { s.set_marker_alpha(v.get<double>()); });
  apply("ui_scale", [&](const nlohmann::json& v) { s.set_ui_scale(v.get<double>()); });
  apply("plot_log_y", [&](const nlohmann::json& v) { s.set_plot_log_y(v.get<bool>()); });
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
                      {"last_source", source_to_offer(s)},
                      {"overlay", overlay_view_name(s.overlay_view())},
                      {"overlay_alpha", s.overlay_alpha()},
                      {"marker_size", s.marker_size()},
                      {"marker_alpha", s.marker_alpha()},
                      {"ui_scale", s.ui_scale()},
                      {"plot_log_y", s.plot_log_y()}};
  for (int m = 0; m < static_cast<int>(MarkerKind::kCount); ++m)
    j[std::string("show_") + marker_name(static_cast<MarkerKind>(m))] =
        s.marker_visible(static_cast<MarkerKind>(m));
  std::error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  // The one writer (core/io/output_file.hpp): never a half-written settings file, and a
  // settings file that is a symlink (into a dotfiles folder) keeps its link.
  try {
    io::write_file(path, j.dump(2) + "\n");
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot write settings ") + e.what());
  }
}

}  // namespace peakscope::viewer
