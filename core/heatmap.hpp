// Heatmap storage: a non-owning view over K x H x W maps and an owning buffer.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/enum_names.hpp"

namespace peakscope {

// Element type of a heatmap. uint8 values are read as their integer value 0..255
// (as NumPy would), never rescaled to [0,1].
enum class ElemType : std::uint8_t { kFloat32, kUInt8 };

inline std::size_t elem_size(ElemType t) {
  return t == ElemType::kFloat32 ? 4 : 1;
}
// NumPy's names of the element types ("float32", "uint8").
inline constexpr EnumName<ElemType> kElemTypeNames[] = {{ElemType::kFloat32, "float32"},
                                                        {ElemType::kUInt8, "uint8"}};
inline const char* elem_name(ElemType t) {
  return enum_name(kElemTypeNames, t);
}

// Non-owning view of `channels` maps of `height` x `width` elements.
// Element (c, y, x) lives at data + (c * channel_stride + y * row_stride + x) * elem_size.
// Strides are in elements, so a cv::Mat row pitch, a numpy buffer or a mapped GPU buffer
// can be viewed without copying. The view never frees `data`.
struct HeatmapView {
  const void* data = nullptr;
  ElemType type = ElemType::kFloat32;
  int width = 0;
  int height = 0;
  int channels = 1;
  std::ptrdiff_t row_stride = 0;      // elements between rows (>= width)
  std::ptrdiff_t channel_stride = 0;  // elements between channels (>= row_stride * height)

  // A dense K x H x W view (row_stride = W, channel_stride = H * W).
  static HeatmapView dense(const float* d, int w, int h, int k = 1) {
    return {d, ElemType::kFloat32, w, h, k, w, static_cast<std::ptrdiff_t>(w) * h};
  }
  static HeatmapView dense(const std::uint8_t* d, int w, int h, int k = 1) {
    return {d, ElemType::kUInt8, w, h, k, w, static_cast<std::ptrdiff_t>(w) * h};
  }

  bool empty() const { return width <= 0 || height <= 0 || channels <= 0 || data == nullptr; }
  std::size_t pixels() const { return static_cast<std::size_t>(width) * height; }

  // The single map of channel c (0 <= c < channels).
  HeatmapView channel(int c) const {
    assert(c >= 0 && c < channels);
    HeatmapView v = *this;
    v.data = static_cast<const char*>(data) +
             c * channel_stride * static_cast<std::ptrdiff_t>(elem_size(type));
    v.channels = 1;
    return v;
  }
  // Element (c, y, x) as double. Precondition (asserted in debug builds): indices in range.
  double at(int c, int y, int x) const {
    assert(c >= 0 && c < channels && y >= 0 && y < height && x >= 0 && x < width);
    const std::ptrdiff_t i = c * channel_stride + y * row_stride + x;
    if (type == ElemType::kFloat32) return static_cast<const float*>(data)[i];
    return static_cast<const std::uint8_t*>(data)[i];
  }
  const float* row_f32(int c, int y) const {
    assert(type == ElemType::kFloat32 && c >= 0 && c < channels && y >= 0 && y < height);
    return static_cast<const float*>(data) + c * channel_stride + y * row_stride;
  }
  const std::uint8_t* row_u8(int c, int y) const {
    assert(type == ElemType::kUInt8 && c >= 0 && c < channels && y >= 0 && y < height);
    return static_cast<const std::uint8_t*>(data) + c * channel_stride + y * row_stride;
  }

  // Throws std::invalid_argument naming the problem when the view is not decodable:
  // null data, non-positive sizes, or strides too small for the sizes.
  void validate(const char* what = "heatmap") const;
};

// Writable twin of HeatmapView: memory a source writes a frame into (an engine's frame
// memory, a FrameSlot, or a Heatmap). Same layout rules; never frees `data`.
struct MutableHeatmapView {
  void* data = nullptr;
  ElemType type = ElemType::kFloat32;
  int width = 0;
  int height = 0;
  int channels = 1;
  std::ptrdiff_t row_stride = 0;      // elements between rows (>= width)
  std::ptrdiff_t channel_stride = 0;  // elements between channels

  HeatmapView view() const {
    return {data, type, width, height, channels, row_stride, channel_stride};
  }
  // Row y of channel c. Precondition (asserted in debug builds): indices in range, type matches.
  float* row_f32(int c, int y) const {
    assert(type == ElemType::kFloat32 && c >= 0 && c < channels && y >= 0 && y < height);
    return static_cast<float*>(data) + c * channel_stride + y * row_stride;
  }
  std::uint8_t* row_u8(int c, int y) const {
    assert(type == ElemType::kUInt8 && c >= 0 && c < channels && y >= 0 && y < height);
    return static_cast<std::uint8_t*>(data) + c * channel_stride + y * row_stride;
  }
  // The single map of channel c (0 <= c < channels).
  MutableHeatmapView channel(int c) const {
    assert(c >= 0 && c < channels);
    MutableHeatmapView v = *this;
    v.data = static_cast<char*>(data) +
             c * channel_stride * static_cast<std::ptrdiff_t>(elem_size(type));
    v.channels = 1;
    return v;
  }
};

// Copies every element of src into dst (same type and sizes; any strides). Throws
// std::invalid_argument naming the mismatch otherwise.
void copy_heatmap(const HeatmapView& src, const MutableHeatmapView& dst);

// Owning dense K x H x W heatmap (float32 or uint8), 64-byte aligned rows not guaranteed.
class Heatmap {
 public:
  Heatmap() = default;
  Heatmap(int width, int height, int channels, ElemType type);

  HeatmapView view() const;
  MutableHeatmapView mutable_view();
  // True when this heatmap already has these sizes and type (a buffer worth reusing).
  bool has_shape(ElemType type, int width, int height, int channels) const {
    return type_ == type && width_ == width && height_ == height && channels_ == channels;
  }
  int width() const { return width_; }
  int height() const { return height_; }
  int channels() const { return channels_; }
  ElemType type() const { return type_; }
  float* f32() { return reinterpret_cast<float*>(bytes_.data()); }
  const float* f32() const { return reinterpret_cast<const float*>(bytes_.data()); }
  std::uint8_t* u8() { return bytes_.data(); }
  const std::uint8_t* u8() const { return bytes_.data(); }
  std::size_t size_bytes() const { return bytes_.size(); }

 private:
  int width_ = 0, height_ = 0, channels_ = 0;
  ElemType type_ = ElemType::kFloat32;
  std::vector<std::uint8_t> bytes_;  // float data stays 4-byte aligned (vector alignment)
};

}  // namespace peakscope
