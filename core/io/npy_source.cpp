#include <algorithm>
#include <limits>
#include <vector>

#include "core/io/npy.hpp"
#include "core/io/source.hpp"

namespace peakscope::io {
namespace {

// A .npy stack. A C-order regular file is read frame by frame, each straight into the
// memory it is decoded from (next_into: an engine's frame memory); anything else (Fortran
// order, a device or FIFO) and every file whose size disagrees with its header is read whole
// at open by read_npy, so a truncated file fails before any frame, with read_npy's message.
// Channels last (layout nhwc: H x W x K, N x H x W x K) is transposed to K x H x W frame by
// frame.
class NpySource : public Source {
 public:
  NpySource(const std::string& path, const NpyOptions& opt) : path_(path) {
    if (!opt.layout.empty() && opt.layout != "nchw" && opt.layout != "nhwc")
      throw SourceError(path + ": layout must be nchw or nhwc, got '" + opt.layout + "'");
    nhwc_ = opt.layout == "nhwc";
    try {
      stream_ = NpyStream::open(path);
      if (!stream_) arr_ = read_npy(path);
    } catch (const std::exception& e) {
      throw SourceError(e.what());
    }
    const auto& s = stream_ ? stream_->shape() : arr_.shape;
    std::size_t n = 1, k = 1, h = 0, w = 0;
    if (s.size() == 2) {
      h = s[0], w = s[1];
    } else if (s.size() == 3) {
      if (nhwc_)
        h = s[0], w = s[1], k = s[2];
      else
        k = s[0], h = s[1], w = s[2];
    } else if (s.size() == 4) {
      if (nhwc_)
        n = s[0], h = s[1], w = s[2], k = s[3];
      else
        n = s[0], k = s[1], h = s[2], w = s[3];
    } else {
      throw SourceError(path + ": shape has " + std::to_string(s.size()) +
                        " dimensions; expected H x W, K x H x W or N x K x H x W (with "
                        "--layout nhwc: H x W x K or N x H x W x K)");
    }
    if (opt.layout.empty() && s.size() >= 3 && looks_channels_last(s)) {
      const std::size_t d = s.size();
      auto str = [](std::size_t v) { return std::to_string(v); };
      std::string shape = "(";
      for (std::size_t i = 0; i < d; ++i) shape += (i ? ", " : "") + str(s[i]);
      const std::string frames = d == 4 ? str(s[0]) + " frames of " : "";
      layout_warning_ = path + ": shape " + shape + ") read as " + frames + str(s[d - 3]) +
                        " channels of " + str(s[d - 2]) + " x " + str(s[d - 1]) +
                        ", but its last axis looks like channels: --layout nhwc reads it as " +
                        frames + str(s[d - 1]) + " channels of " + str(s[d - 3]) + " x " +
                        str(s[d - 2]) + " (--layout nchw keeps this reading, without this warning)";
    }
    constexpr std::size_t kMax = static_cast<std::size_t>(std::numeric_limits<int>::max());
    if (n == 0 || k == 0 || h == 0 || w == 0)
      throw SourceError(path + ": shape has a zero dimension");
    if (k > kMax || h > kMax || w > kMax || h * w > kMax)
      throw SourceError(path + ": map too large (" + std::to_string(h) + " x " + std::to_string(w) +
                        ")");
    frames_ = static_cast<long>(n);
    k_ = static_cast<int>(k);
    h_ = static_cast<int>(h);
    w_ = static_cast<int>(w);
    uint8_ = stream_ ? stream_->is_uint8() : arr_.is_uint8;
  }

  std::optional<Frame> next() override {
    const std::optional<FrameShape> s = next_shape();
    if (!s) return std::nullopt;
    Heatmap m(s->width, s->height, s->channels, s->type);
    std::optional<Frame> f = next_into(m.mutable_view());
    f->heatmap = std::move(m);
    return f;
  }
  std::optional<FrameShape> next_shape() override {
    if (i_ >= frames_) return std::nullopt;
    return FrameShape{uint8_ ? ElemType::kUInt8 : ElemType::kFloat32, w_, h_, k_};
  }
  std::optional<Frame> next_into(const MutableHeatmapView& dst) override {
    if (i_ >= frames_) return std::nullopt;
    const ElemType type = uint8_ ? ElemType::kUInt8 : ElemType::kFloat32;
    if (dst.type != type || dst.width != w_ || dst.height != h_ || dst.channels != k_ ||
        dst.data == nullptr || dst.row_stride < w_)
      throw std::invalid_argument(path_ + ": frame memory of the wrong shape for a " +
                                  std::to_string(k_) + " x " + std::to_string(h_) + " x " +
                                  std::to_string(w_) + " " + elem_name(type) + " frame");
    const std::size_t plane = static_cast<std::size_t>(h_) * w_;
    const std::size_t first = plane * k_ * static_cast<std::size_t>(i_);
    try {
      if (nhwc_ && k_ > 1) {
        if (uint8_)
          transpose_frame(first, scratch_u8_, [&](int c, int y) { return dst.row_u8(c, y); });
        else
          transpose_frame(first, scratch_f32_, [&](int c, int y) { return dst.row_f32(c, y); });
      } else {
        for (int c = 0; c < k_; ++c) {
          const std::size_t at = first + plane * c;
          if (dst.row_stride == w_) {  // the plane in one piece
            copy_rows(at, plane, dst, c, 0);
          } else {
            for (int y = 0; y < h_; ++y)
              copy_rows(at + static_cast<std::size_t>(y) * w_, w_, dst, c, y);
          }
        }
      }
    } catch (const SourceError&) {
      throw;
    } catch (const std::runtime_error& e) {
      throw SourceError(e.what());
    }
    Frame f;
    f.index = i_++;
    f.input_dtype = stream_ ? stream_->dtype() : arr_.dtype;
    f.narrowed = stream_ ? stream_->narrowed() : arr_.narrowed;
    return f;
  }
  std::string describe() const override {
    const std::string descr = stream_ ? stream_->descr() : arr_.descr;
    return "npy " + path_ + " (" + descr + (arr_.fortran_order ? ", Fortran order" : "") +
           (nhwc_ ? ", channels last" : "") + ", " + std::to_string(frames_) + " x " +
           std::to_string(k_) + " x " + std::to_string(h_) + " x " + std::to_string(w_) + ")";
  }
  long frame_count() const override { return frames_; }
  bool seek(long index) override {
    if (index < 0 || index >= frames_) return false;
    i_ = index;
    return true;
  }
  std::string warning() const override {
    const std::size_t over = stream_ ? stream_->overflowed() : arr_.overflowed;
    std::string w = layout_warning_;
    if (over > 0)
      w += (w.empty() ? "" : "; ") + path_ + ": " + std::to_string(over) +
           " float64 value(s) beyond float32's range became +-Inf";
    return w;
  }

 private:
  // A K x H x W (or N x K x H x W) reading whose last axis looks like channels: at most 133
  // (COCO-WholeBody's keypoints) and at most half of each of the two axes before it, as in
  // (64, 48, 17). A stack written channels first has a map axis last, as wide as the other.
  static bool looks_channels_last(const std::vector<std::size_t>& s) {
    const std::size_t last = s.back(), a = s[s.size() - 3], b = s[s.size() - 2];
    return last <= 133 && 2 * last <= a && 2 * last <= b;
  }

  // The frame from element `first` of an H x W x K array into K planes (row(c, y) gives
  // plane c's row y): read a row of W x K values at a time and scattered, channel c of pixel (y, x)
  // being element (y * W + x) * K + c.
  template <class T, class Row>
  void transpose_frame(std::size_t first, std::vector<T>& buf, Row row) {
    const std::size_t line = static_cast<std::size_t>(w_) * k_;
    buf.resize(line);
    for (int y = 0; y < h_; ++y) {
      read_elements(first + static_cast<std::size_t>(y) * line, line, buf.data());
      for (int c = 0; c < k_; ++c) {
        T* out = row(c, y);
        for (int x = 0; x < w_; ++x) out[x] = buf[static_cast<std::size_t>(x) * k_ + c];
      }
    }
  }
  void read_elements(std::size_t at, std::size_t n, float* dst) {
    if (stream_)
      stream_->read(at, n, dst);
    else
      std::copy_n(arr_.f32.data() + at, n, dst);
  }
  void read_elements(std::size_t at, std::size_t n, std::uint8_t* dst) {
    if (stream_)
      stream_->read(at, n, dst);
    else
      std::copy_n(arr_.u8.data() + at, n, dst);
  }

  // n elements of the array from element `at` into channel c of dst from row y on (n is one
  // row, or a whole plane when dst's rows are dense).
  void copy_rows(std::size_t at, std::size_t n, const MutableHeatmapView& dst, int c, int y) {
    if (stream_) {
      if (uint8_)
        stream_->read(at, n, dst.row_u8(c, y));
      else
        stream_->read(at, n, dst.row_f32(c, y));
    } else if (uint8_) {
      std::copy_n(arr_.u8.data() + at, n, dst.row_u8(c, y));
    } else {
      std::copy_n(arr_.f32.data() + at, n, dst.row_f32(c, y));
    }
  }

  std::string path_;
  std::unique_ptr<NpyStream> stream_;  // C-order regular files
  NpyArray arr_;                       // everything else, read whole
  long frames_ = 0, i_ = 0;
  int k_ = 1, h_ = 0, w_ = 0;
  bool uint8_ = false;
  bool nhwc_ = false;               // channels last: each frame transposed as it is read
  std::string layout_warning_;      // the shape looks channels last but nhwc was not given
  std::vector<float> scratch_f32_;  // one row of an nhwc frame (W x K values)
  std::vector<std::uint8_t> scratch_u8_;
};

}  // namespace

std::unique_ptr<Source> make_npy_source(const std::string& path, const NpyOptions& opt) {
  return std::make_unique<NpySource>(path, opt);
}

}  // namespace peakscope::io
