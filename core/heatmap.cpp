#include "core/heatmap.hpp"

#include <cstring>
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

MutableHeatmapView Heatmap::mutable_view() {
  const HeatmapView v = view();
  return {bytes_.data(), v.type, v.width, v.height, v.channels, v.row_stride, v.channel_stride};
}

void copy_heatmap(const HeatmapView& src, const MutableHeatmapView& dst) {
  if (src.type != dst.type || src.width != dst.width || src.height != dst.height ||
      src.channels != dst.channels)
    throw std::invalid_argument(std::string("copy_heatmap: a ") + std::to_string(src.channels) +
                                " x " + std::to_string(src.height) + " x " +
                                std::to_string(src.width) + " " + elem_name(src.type) +
                                " frame does not fit a " + std::to_string(dst.channels) + " x " +
                                std::to_string(dst.height) + " x " + std::to_string(dst.width) +
                                " " + elem_name(dst.type) + " destination");
  const std::size_t es = elem_size(src.type), row = static_cast<std::size_t>(src.width) * es;
  for (int c = 0; c < src.channels; ++c) {
    const auto* s = static_cast<const char*>(src.data) + c * src.channel_stride * es;
    auto* d = static_cast<char*>(dst.data) + c * dst.channel_stride * es;
    if (src.row_stride == src.width && dst.row_stride == dst.width) {
      std::memcpy(d, s, row * src.height);
      continue;
    }
    for (int y = 0; y < src.height; ++y)
      std::memcpy(d + y * dst.row_stride * es, s + y * src.row_stride * es, row);
  }
}

}  // namespace peakscope
