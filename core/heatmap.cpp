#include "core/heatmap.hpp"

#include <limits>

namespace peakscope {

void HeatmapView::validate(const char* what) const {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(std::string(what) + ": " + why);
  };
  if (width <= 0 || height <= 0 || channels <= 0)
    fail("zero-size map (" + std::to_string(channels) + " x " + std::to_string(height) + " x " +
         std::to_string(width) + ")");
  if (data == nullptr) fail("no data (null pointer)");
  if (row_stride < width)
    fail("row stride " + std::to_string(row_stride) + " < width " + std::to_string(width));
  if (channels > 1 && channel_stride < row_stride * (height - 1) + width)
    fail("channel stride " + std::to_string(channel_stride) + " too small for " +
         std::to_string(height) + " rows");
}

Heatmap::Heatmap(int width, int height, int channels, ElemType type)
    : width_(width), height_(height), channels_(channels), type_(type) {
  if (width < 0 || height < 0 || channels < 0)
    throw std::invalid_argument("Heatmap: negative size");
  const auto n = static_cast<std::size_t>(width) * height * channels;
  if (height != 0 && channels != 0 &&
      n / static_cast<std::size_t>(height) / static_cast<std::size_t>(channels) !=
          static_cast<std::size_t>(width))
    throw std::invalid_argument("Heatmap: size overflows");
  bytes_.assign(n * elem_size(type), 0);
}

HeatmapView Heatmap::view() const {
  return {bytes_.data(),
          type_,
          width_,
          height_,
          channels_,
          width_,
          static_cast<std::ptrdiff_t>(width_) * height_};
}

}  // namespace peakscope
