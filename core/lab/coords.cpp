#include "core/lab/coords.hpp"

#include <charconv>
#include <stdexcept>

#include "core/enum_names.hpp"

namespace peakscope {
namespace {

constexpr EnumName<CoordSystem> kCoordSystemNames[] = {{CoordSystem::kIndex, "index"},
                                                       {CoordSystem::kHalf, "half"},
                                                       {CoordSystem::kDsnt, "dsnt"},
                                                       {CoordSystem::kCorner, "corner"},
                                                       {CoordSystem::kImage, "image"}};

// One axis: index -> convention, or back.
double forward(double i, int n, int input, const CoordConvention& c) {
  switch (c.system) {
    case CoordSystem::kIndex:
      return i;
    case CoordSystem::kHalf:
      return i + 0.5;
    case CoordSystem::kDsnt:
      return (2 * i + 1) / n - 1;
    case CoordSystem::kCorner:
      return n > 1 ? 2 * i / (n - 1) - 1 : 0.0;
    case CoordSystem::kImage:
      // UDP maps the first and last pixels to 0 and input - 1; one pixel spans the whole
      // input and lands at its centre.
      if (c.udp) return n > 1 ? i * (input - 1) / (n - 1) : (input - 1) / 2.0;
      return i * input / n;
  }
  return i;
}

double backward(double v, int n, int input, const CoordConvention& c) {
  switch (c.system) {
    case CoordSystem::kIndex:
      return v;
    case CoordSystem::kHalf:
      return v - 0.5;
    case CoordSystem::kDsnt:
      return ((v + 1) * n - 1) / 2;
    case CoordSystem::kCorner:
      return n > 1 ? (v + 1) * (n - 1) / 2 : 0.0;
    case CoordSystem::kImage:
      // A 1-wide input holds every map position at 0: 0 comes back.
      if (c.udp) return input > 1 ? v * (n - 1) / (input - 1) : 0.0;
      return v * n / input;
  }
  return v;
}

}  // namespace

void CoordConvention::validate() const {
  if (system == CoordSystem::kImage && (input_width <= 0 || input_height <= 0))
    throw std::invalid_argument(
        "coords 'image' needs the network input size (--input-size WxH), got " +
        std::to_string(input_width) + "x" + std::to_string(input_height));
}

const char* CoordConvention::name() const {
  return enum_name(kCoordSystemNames, system);
}

CoordSystem parse_coord_system(std::string_view s) {
  return parse_enum(kCoordSystemNames, s, "coordinate convention");
}

void parse_input_size(std::string_view s, int& width, int& height) {
  const auto bad = [&] {
    return std::invalid_argument("input size must be WxH with integers in [1, 1000000], got '" +
                                 std::string(s) + "'");
  };
  const std::size_t x = s.find('x');
  if (x == std::string_view::npos) throw bad();
  auto num = [&](std::string_view t, int& out) {
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size() || out < 1 || out > 1000000)
      throw bad();
  };
  int w = 0, h = 0;
  num(s.substr(0, x), w);
  num(s.substr(x + 1), h);
  width = w;
  height = h;
}

CoordPoint to_convention(CoordPoint p, int map_width, int map_height, const CoordConvention& conv) {
  return {forward(p.x, map_width, conv.input_width, conv),
          forward(p.y, map_height, conv.input_height, conv)};
}

CoordPoint from_convention(CoordPoint p, int map_width, int map_height,
                           const CoordConvention& conv) {
  return {backward(p.x, map_width, conv.input_width, conv),
          backward(p.y, map_height, conv.input_height, conv)};
}

}  // namespace peakscope
