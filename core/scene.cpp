#include "core/scene.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace peakscope {

double gaussian_mask(double x, double y, double x0, double y0, double fwhm) {
  const double dx = x - x0, dy = y - y0;
  return std::exp(-4.0 * std::numbers::ln2 * (dx * dx + dy * dy) / (fwhm * fwhm));
}

Scene::Scene(const SceneConfig& cfg) : cfg_(cfg), rng_(cfg.seed) {
  if (cfg.width <= 0 || cfg.height <= 0)
    throw std::invalid_argument("scene size must be positive, got " + std::to_string(cfg.width) +
                                "x" + std::to_string(cfg.height));
  if (cfg.subjects < 1) throw std::invalid_argument("scene needs at least one subject");
  if (!(cfg.fwhm > 0)) throw std::invalid_argument("scene fwhm must be > 0");
  std::uniform_real_distribution<double> ux(0, cfg.width - 1), uy(0, cfg.height - 1),
      uw(cfg.min_weight, 1.0), ua(0, 2 * std::numbers::pi);
  for (int i = 0; i < cfg.subjects; ++i) {
    subjects_.push_back({ux(rng_), uy(rng_), uw(rng_)});
    const double a = ua(rng_);
    vx_.push_back(cfg.speed * std::cos(a));
    vy_.push_back(cfg.speed * std::sin(a));
  }
}

std::vector<Subject> Scene::ground_truth() const {
  std::vector<Subject> gt = subjects_;
  std::stable_sort(gt.begin(), gt.end(),
                   [](const Subject& a, const Subject& b) { return a.weight > b.weight; });
  return gt;
}

namespace {

void store(const MutableHeatmapView& out, int c, const std::vector<double>& acc) {
  const double mx = *std::max_element(acc.begin(), acc.end());
  const double scale = mx > 0 ? 1.0 / mx : 0.0;
  const std::size_t w = static_cast<std::size_t>(out.width);
  for (int y = 0; y < out.height; ++y) {
    const double* a = acc.data() + y * w;
    if (out.type == ElemType::kFloat32) {
      float* row = out.row_f32(c, y);
      for (std::size_t x = 0; x < w; ++x) row[x] = static_cast<float>(a[x] * scale);
    } else {
      std::uint8_t* row = out.row_u8(c, y);
      for (std::size_t x = 0; x < w; ++x)
        row[x] = static_cast<std::uint8_t>(std::lround(a[x] * scale * 255.0));
    }
  }
}

void check_target(const MutableHeatmapView& dst, const SceneConfig& cfg, int channels,
                  const char* what) {
  if (dst.data == nullptr || dst.width != cfg.width || dst.height != cfg.height ||
      dst.channels != channels || dst.row_stride < dst.width ||
      (channels > 1 && dst.channel_stride < dst.row_stride * (dst.height - 1) + dst.width))
    throw std::invalid_argument(
        std::string(what) + ": the destination is " + std::to_string(dst.channels) + " x " +
        std::to_string(dst.height) + " x " + std::to_string(dst.width) + " (strides " +
        std::to_string(dst.row_stride) + ", " + std::to_string(dst.channel_stride) +
        "), the scene needs " + std::to_string(channels) + " x " + std::to_string(cfg.height) +
        " x " + std::to_string(cfg.width));
}

void splat(std::vector<double>& acc, int w, int h, const Subject& s, double fwhm) {
  // Beyond 4 FWHM the mask is below exp(-44): skip those pixels (exact to double rounding).
  const double r = 4 * fwhm;
  const int x0 = std::max(0, static_cast<int>(std::floor(s.x - r)));
  const int x1 = std::min(w - 1, static_cast<int>(std::ceil(s.x + r)));
  const int y0 = std::max(0, static_cast<int>(std::floor(s.y - r)));
  const int y1 = std::min(h - 1, static_cast<int>(std::ceil(s.y + r)));
  if (x0 > x1 || y0 > y1) return;
  // Separable: exp(-a (dx^2 + dy^2)) = exp(-a dx^2) exp(-a dy^2), one multiply per pixel.
  std::vector<double> gx(static_cast<std::size_t>(x1 - x0 + 1));
  for (int x = x0; x <= x1; ++x) gx[x - x0] = gaussian_mask(x, s.y, s.x, s.y, fwhm);
  for (int y = y0; y <= y1; ++y) {
    const double gy = s.weight * gaussian_mask(s.x, y, s.x, s.y, fwhm);
    double* row = acc.data() + static_cast<std::size_t>(y) * w;
    for (int x = x0; x <= x1; ++x) row[x] += gy * gx[x - x0];
  }
}

}  // namespace

Heatmap Scene::render(ElemType type) const {
  Heatmap out(cfg_.width, cfg_.height, 1, type);
  render_into(out.mutable_view());
  return out;
}

Heatmap Scene::render_per_subject(ElemType type) const {
  Heatmap out(cfg_.width, cfg_.height, static_cast<int>(subjects_.size()), type);
  render_per_subject_into(out.mutable_view());
  return out;
}

void Scene::render_into(const MutableHeatmapView& dst) const {
  check_target(dst, cfg_, 1, "Scene::render_into");
  const int w = cfg_.width, h = cfg_.height;
  std::vector<double> acc(static_cast<std::size_t>(w) * h, 0.0);
  for (const Subject& s : subjects_) splat(acc, w, h, s, cfg_.fwhm);
  store(dst, 0, acc);
}

void Scene::render_per_subject_into(const MutableHeatmapView& dst) const {
  check_target(dst, cfg_, static_cast<int>(subjects_.size()), "Scene::render_per_subject_into");
  const int w = cfg_.width, h = cfg_.height;
  std::vector<double> acc(static_cast<std::size_t>(w) * h);
  for (std::size_t i = 0; i < subjects_.size(); ++i) {
    std::fill(acc.begin(), acc.end(), 0.0);
    splat(acc, w, h, subjects_[i], cfg_.fwhm);
    store(dst, static_cast<int>(i), acc);
  }
}

void Scene::step() {
  std::normal_distribution<double> steer(0.0, 0.08);
  for (std::size_t i = 0; i < subjects_.size(); ++i) {
    // Rotate the velocity a little: smooth, wandering paths.
    const double a = steer(rng_);
    const double c = std::cos(a), s = std::sin(a);
    const double vx = vx_[i] * c - vy_[i] * s, vy = vx_[i] * s + vy_[i] * c;
    vx_[i] = vx;
    vy_[i] = vy;
    Subject& p = subjects_[i];
    p.x += vx_[i];
    p.y += vy_[i];
    if (p.x < 0) {
      p.x = -p.x;
      vx_[i] = -vx_[i];
    }
    if (p.y < 0) {
      p.y = -p.y;
      vy_[i] = -vy_[i];
    }
    if (p.x > cfg_.width - 1) {
      p.x = 2.0 * (cfg_.width - 1) - p.x;
      vx_[i] = -vx_[i];
    }
    if (p.y > cfg_.height - 1) {
      p.y = 2.0 * (cfg_.height - 1) - p.y;
      vy_[i] = -vy_[i];
    }
  }
  ++frame_;
}

}  // namespace peakscope
