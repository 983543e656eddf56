#include <limits>

#include "core/io/npy.hpp"
#include "core/io/source.hpp"

namespace peakscope::io {
namespace {

class NpySource : public Source {
 public:
  explicit NpySource(const std::string& path) : path_(path) {
    try {
      arr_ = read_npy(path);
    } catch (const std::exception& e) {
      throw SourceError(e.what());
    }
    const auto& s = arr_.shape;
    std::size_t n = 1, k = 1, h = 0, w = 0;
    if (s.size() == 2) {
      h = s[0], w = s[1];
    } else if (s.size() == 3) {
      k = s[0], h = s[1], w = s[2];
    } else if (s.size() == 4) {
      n = s[0], k = s[1], h = s[2], w = s[3];
    } else {
      throw SourceError(path + ": shape has " + std::to_string(s.size()) +
                        " dimensions; expected H x W, K x H x W or N x K x H x W");
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
  }
  std::optional<Frame> next() override {
    if (i_ >= frames_) return std::nullopt;
    Frame f;
    f.index = i_;
    f.heatmap = Heatmap(w_, h_, k_, arr_.is_uint8 ? ElemType::kUInt8 : ElemType::kFloat32);
    const std::size_t per = static_cast<std::size_t>(k_) * h_ * w_;
    const std::size_t off = per * static_cast<std::size_t>(i_);
    if (arr_.is_uint8)
      std::copy_n(arr_.u8.data() + off, per, f.heatmap.u8());
    else
      std::copy_n(arr_.f32.data() + off, per, f.heatmap.f32());
    f.input_dtype = arr_.dtype;
    f.narrowed = arr_.narrowed;
    ++i_;
    return f;
  }
  std::string describe() const override {
    return "npy " + path_ + " (" + arr_.descr + (arr_.fortran_order ? ", Fortran order" : "") +
           ", " + std::to_string(frames_) + " x " + std::to_string(k_) + " x " +
           std::to_string(h_) + " x " + std::to_string(w_) + ")";
  }
  long frame_count() const override { return frames_; }
  std::string warning() const override {
    if (arr_.overflowed == 0) return {};
    return path_ + ": " + std::to_string(arr_.overflowed) +
           " float64 value(s) beyond float32's range became +-Inf";
  }

 private:
  std::string path_;
  NpyArray arr_;
  long frames_ = 0, i_ = 0;
  int k_ = 1, h_ = 0, w_ = 0;
};

}  // namespace

std::unique_ptr<Source> make_npy_source(const std::string& path) {
  return std::make_unique<NpySource>(path);
}

}  // namespace peakscope::io
