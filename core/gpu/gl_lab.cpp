// The decoding lab's primitives on the GPU (DecodedFrame::windows, blurred_max,
// beta_grid of a GPU frame): all on the frame of the last submit, which stays in its ring slot on
// the device; each reads back only its small result (K windows, one double, a K x J grid of sums).
// Shaders: shaders/lab_window.comp, lab_blur.comp, lab_grid.comp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "core/gpu/egl_context.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/lab/dark.hpp"
#include "core/lab/debiased.hpp"
#include "shaders/shader_sources.hpp"

namespace peakscope::gpu {
namespace {

// Bindings: the frame (0) and the decode's results (3) as in common.glsl and
// decode_combine.comp; the lab's own buffers from 8 up (shaders/lab_*.comp).
constexpr GLuint kBindInput = 0, kBindResults = 3, kBindA = 8, kBindB = 9, kBindC = 10, kBindD = 11;
constexpr std::uint32_t kNoPixel = 0xffffffffu;
constexpr std::size_t kChunk = 4096;     // pixels per chunk in lab_grid.comp (256 threads x 16)
constexpr GLuint kMaxGridGroups = 1024;  // workgroups per channel in pass 1
constexpr std::size_t kGridPartBytes = std::size_t{64} << 20;  // bound on the partial states
constexpr GLuint kMaxBlurGroups = 1024;

// A device buffer of at least `bytes` in *buf (grown, never shrunk; contents not kept).
void ensure_buffer(GLuint* buf, std::size_t* cap, std::size_t bytes) {
  if (bytes <= *cap && *buf) return;
  if (*buf) glDeleteBuffers(1, buf);
  const std::size_t size = std::max<std::size_t>({bytes, *cap * 3 / 2, 64});
  glGenBuffers(1, buf);
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, *buf);
  glBufferStorage(GL_SHADER_STORAGE_BUFFER, static_cast<GLsizeiptr>(size), nullptr,
                  GL_DYNAMIC_STORAGE_BIT);
  *cap = size;
}

template <class T>
void read_buffer(GLuint buf, std::size_t offset, std::vector<T>& out) {
  glBindBuffer(GL_COPY_READ_BUFFER, buf);
  glGetBufferSubData(GL_COPY_READ_BUFFER, static_cast<GLintptr>(offset),
                     static_cast<GLsizeiptr>(out.size() * sizeof(T)), out.data());
}

}  // namespace

struct GlEngine::Lab {
  void* context = nullptr;
  // [u8][variant]: window; grid pass 1 without / with debiased; blur rows.
  Program window[2], grid[2][2], blur_rows[2], grid_combine[2], blur_cols, blur_final;
  GLuint win = 0, betas = 0, parts = 0, out = 0, tmp = 0, taps = 0, maxes = 0;
  std::size_t win_cap = 0, betas_cap = 0, parts_cap = 0, out_cap = 0, tmp_cap = 0, taps_cap = 0,
              maxes_cap = 0;
};

void GlEngine::LabDeleter::operator()(Lab* lab) const {
  // The programs check their context themselves (gpu::Program).
  if (current_gl_context() == lab->context)
    for (GLuint* b :
         {&lab->win, &lab->betas, &lab->parts, &lab->out, &lab->tmp, &lab->taps, &lab->maxes})
      if (*b) glDeleteBuffers(1, b);
  delete lab;
}

GlEngine::Lab& GlEngine::lab() {
  if (!lab_) {
    lab_.reset(new Lab);
    lab_->context = context_;
  }
  return *lab_;
}

namespace {

// Compiles program p on first use (most engines never open the lab).
const Program& use(Program& p, const char* name, const ShaderPart& file,
                   std::vector<std::string> defines) {
  if (!p.id())
    p = make_compute(name, {shaders::decode_types_glsl, shaders::common_glsl, file}, defines);
  glUseProgram(p.id());
  return p;
}

std::vector<std::string> with_u8(bool u8, std::vector<std::string> d) {
  if (u8) d.push_back("INPUT_U8");
  return d;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Windows around the argmax
// ---------------------------------------------------------------------------------------

std::vector<PeakWindow> GlEngine::lab_windows(int radius) {
  check_context("GPU windows");
  if (last_ < 0) throw std::logic_error("windows before any decode");
  if (radius < 0 || radius > 64)
    throw std::invalid_argument("windows: radius " + std::to_string(radius) + " outside [0, 64]");
  const Slot& s = slots_[last_];
  Lab& L = lab();
  const bool u8 = s.type == ElemType::kUInt8;
  const int n = 2 * radius + 1;
  const std::size_t n2 = static_cast<std::size_t>(n) * n;
  const std::size_t k = static_cast<std::size_t>(s.channels);
  const std::size_t words = k + k * n2;
  ensure_buffer(&L.win, &L.win_cap, words * 4);
  const Program& p = use(L.window[u8], "lab_window", shaders::lab_window_comp, with_u8(u8, {}));
  set_frame_uniforms(p, s);
  glUniform1i(p.loc("uRadius"), radius);
  glUniform1ui(p.loc("uChannels"), static_cast<GLuint>(k));
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindInput, s.on_device ? s.device : s.staging);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindResults, s.results);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindA, L.win);
  glDispatchCompute(static_cast<GLuint>(k), 1, 1);
  glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
  std::vector<std::uint32_t> got(words);
  read_buffer(L.win, 0, got);
  check_gl("lab windows");
  std::vector<PeakWindow> out(k);
  for (std::size_t c = 0; c < k; ++c) {
    PeakWindow& w = out[c];
    w.radius = radius;
    w.map_width = s.width;
    w.map_height = s.height;
    const std::uint32_t idx = got[c];
    if (idx == kNoPixel) continue;  // no valid pixel: no values (as CpuEngine)
    w.cx = static_cast<int>(idx % static_cast<std::uint32_t>(s.width));
    w.cy = static_cast<int>(idx / static_cast<std::uint32_t>(s.width));
    w.values.resize(n2);
    for (std::size_t i = 0; i < n2; ++i) {
      float v;
      std::memcpy(&v, &got[k + c * n2 + i], sizeof v);
      w.values[i] = v;
    }
    w.peak = w.values[static_cast<std::size_t>(radius) * n + radius];
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// DARK's blurred maximum
// ---------------------------------------------------------------------------------------

double GlEngine::lab_blurred_max(int c, int kernel) {
  check_context("GPU blurred_max");
  if (last_ < 0) throw std::logic_error("blurred_max before any decode");
  const Slot& s = slots_[last_];
  if (c < 0 || c >= s.channels)
    throw std::out_of_range("blurred_max: channel " + std::to_string(c) + " out of range");
  if (kernel < 1 || kernel > 101 || kernel % 2 == 0)
    throw std::invalid_argument("blurred_max: kernel " + std::to_string(kernel) +
                                " is not an odd number in [1, 101]");
  Lab& L = lab();
  const bool u8 = s.type == ElemType::kUInt8;
  const std::size_t W = static_cast<std::size_t>(s.width), H = static_cast<std::size_t>(s.height);
  const std::size_t kr = static_cast<std::size_t>(kernel / 2);
  // Bands of rows whose double scratch (the band and the kernel's reach around it) fits the
  // storage-block limit: one band unless the frame is large.
  const std::size_t tmp_rows_max = static_cast<std::size_t>(max_ssbo_bytes_) / (W * sizeof(double));
  if (tmp_rows_max < 2 * kr + 1)
    throw std::length_error("blurred_max: a " + std::to_string(W) +
                            "-pixel-wide row band exceeds the GPU's storage block limit");
  const std::size_t band = std::min(H, tmp_rows_max - 2 * kr);
  const std::size_t bands = (H + band - 1) / band;
  const std::vector<double> taps = opencv_gaussian_kernel(kernel);
  ensure_buffer(&L.taps, &L.taps_cap, taps.size() * sizeof(double));
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, L.taps);
  glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0,
                  static_cast<GLsizeiptr>(taps.size() * sizeof(double)), taps.data());
  ensure_buffer(&L.tmp, &L.tmp_cap, std::min(H, band + 2 * kr) * W * sizeof(double));
  const auto groups =
      static_cast<GLuint>(std::min<std::size_t>((band * W + 255) / 256, kMaxBlurGroups));
  ensure_buffer(&L.maxes, &L.maxes_cap, (groups + bands) * sizeof(double));
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindInput, s.on_device ? s.device : s.staging);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindB, L.tmp);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindC, L.taps);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindD, L.maxes);
  for (std::size_t b = 0; b < bands; ++b) {
    const std::size_t r0 = b * band, r1 = std::min(H, r0 + band);
    const std::size_t t0 = r0 > kr ? r0 - kr : 0, t1 = std::min(H, r1 + kr);
    auto common = [&](const Program& p) {
      set_frame_uniforms(p, s);
      glUniform1ui(p.loc("uChannel"), static_cast<GLuint>(c));
      glUniform1i(p.loc("uTaps"), kernel);
      glUniform1ui(p.loc("uGroups"), groups);
      glUniform1ui(p.loc("uTmpRow0"), static_cast<GLuint>(t0));
      glUniform1ui(p.loc("uTmpRows"), static_cast<GLuint>(t1 - t0));
      glUniform1ui(p.loc("uOutRow0"), static_cast<GLuint>(r0));
      glUniform1ui(p.loc("uOutRows"), static_cast<GLuint>(r1 - r0));
      glUniform1ui(p.loc("uBand"), static_cast<GLuint>(b));
    };
    common(use(L.blur_rows[u8], "lab_blur", shaders::lab_blur_comp, with_u8(u8, {"ROWS"})));
    glDispatchCompute(groups, 1, 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    common(use(L.blur_cols, "lab_blur", shaders::lab_blur_comp, {"COLS"}));
    glDispatchCompute(groups, 1, 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    common(use(L.blur_final, "lab_blur", shaders::lab_blur_comp, {"FINAL"}));
    glDispatchCompute(1, 1, 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT | GL_BUFFER_UPDATE_BARRIER_BIT);
  }
  std::vector<double> m(bands);
  read_buffer(L.maxes, groups * sizeof(double), m);
  check_gl("lab blurred max");
  return *std::max_element(m.begin(), m.end());
}

// ---------------------------------------------------------------------------------------
// The (channel, beta) grid
// ---------------------------------------------------------------------------------------

BetaGrid GlEngine::lab_beta_grid(const std::vector<double>& betas, bool normalize, bool debiased) {
  check_context("GPU beta_grid");
  if (last_ < 0) throw std::logic_error("beta_grid before any decode");
  for (double b : betas) validate_beta(b);
  BetaGrid g;
  g.betas = betas;
  g.normalize = normalize;
  if (betas.empty()) return g;
  // A software rasteriser ends a shader invocation's loops after 65535 iterations in all
  // (llvmpipe's loop limiter, silently): each workgroup loops over its chunks times the betas,
  // so there long beta lists go in batches (tests/gl/gl_limits_test.cpp).
  constexpr std::size_t kSoftwareBetasPerBatch = 8;
  if (software_ && betas.size() > kSoftwareBetasPerBatch) {
    for (std::size_t j0 = 0; j0 < betas.size(); j0 += kSoftwareBetasPerBatch) {
      const std::vector<double> part(
          betas.begin() + static_cast<std::ptrdiff_t>(j0),
          betas.begin() +
              static_cast<std::ptrdiff_t>(std::min(betas.size(), j0 + kSoftwareBetasPerBatch)));
      BetaGrid b = lab_beta_grid(part, normalize, debiased);
      for (auto& k : b.keypoints) g.keypoints.push_back(std::move(k));
      for (auto& d : b.debiased) g.debiased.push_back(std::move(d));
    }
    return g;
  }
  const Slot& s = slots_[last_];
  Lab& L = lab();
  const bool u8 = s.type == ElemType::kUInt8;
  const std::size_t K = static_cast<std::size_t>(s.channels), J = betas.size();
  const std::size_t nq = debiased ? 6 : 3;
  const std::size_t n = static_cast<std::size_t>(s.width) * s.height;
  const std::size_t chunks = (n + kChunk - 1) / kChunk;
  // At most 1024 workgroups per channel (enough to fill a large GPU with one channel), fewer when
  // the partial states would grow too large; each covers whole chunks.
  std::size_t groups = std::min<std::size_t>(chunks, kMaxGridGroups);
  groups = std::max<std::size_t>(1, std::min(groups, kGridPartBytes / (K * J * nq * 8)));
  const std::size_t per_group = (chunks + groups - 1) / groups;
  groups = (chunks + per_group - 1) / per_group;
  ensure_buffer(&L.betas, &L.betas_cap, J * sizeof(double));
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, L.betas);
  glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, static_cast<GLsizeiptr>(J * sizeof(double)),
                  betas.data());
  ensure_buffer(&L.parts, &L.parts_cap, K * J * groups * nq * sizeof(double));
  ensure_buffer(&L.out, &L.out_cap, K * J * 8 * sizeof(double));
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindInput, s.on_device ? s.device : s.staging);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindResults, s.results);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindA, L.betas);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindB, L.parts);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindC, L.out);
  auto uniforms = [&](const Program& p) {
    set_frame_uniforms(p, s);
    glUniform1ui(p.loc("uBetas"), static_cast<GLuint>(J));
    glUniform1ui(p.loc("uNormalize"), normalize ? 1u : 0u);
    glUniform1ui(p.loc("uChannels"), static_cast<GLuint>(K));
    glUniform1ui(p.loc("uGroups"), static_cast<GLuint>(groups));
    glUniform1ui(p.loc("uChunksPerGroup"), static_cast<GLuint>(per_group));
  };
  uniforms(use(
      L.grid[u8][debiased], "lab_grid", shaders::lab_grid_comp,
      with_u8(u8, debiased ? std::vector<std::string>{"DEBIASED"} : std::vector<std::string>{})));
  glDispatchCompute(static_cast<GLuint>(groups), static_cast<GLuint>(K), 1);
  glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  uniforms(use(L.grid_combine[debiased], "lab_grid", shaders::lab_grid_comp,
               debiased ? std::vector<std::string>{"COMBINE", "DEBIASED"}
                        : std::vector<std::string>{"COMBINE"}));
  glDispatchCompute(static_cast<GLuint>((K * J + 63) / 64), 1, 1);
  glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT);
  std::vector<double> got(K * J * 8);
  read_buffer(L.out, 0, got);
  check_gl("lab beta grid");

  g.keypoints.assign(J, std::vector<Keypoint>(K));
  if (debiased) g.debiased.assign(J, std::vector<DecodedPoint>(K));
  for (std::size_t j = 0; j < J; ++j)
    for (std::size_t c = 0; c < K; ++c) {
      const double* r = &got[(c * J + j) * 8];
      Keypoint& kp = g.keypoints[j][c];
      const double S = r[0];
      const auto idx = static_cast<std::uint32_t>(r[7]);
      if (idx == kNoPixel || !(S > 0)) {
        kp = invalid_keypoint(s.width, s.height);  // core/decode.hpp's policy
      } else {
        kp.argmax_x = idx % static_cast<std::uint32_t>(s.width);
        kp.argmax_y = idx / static_cast<std::uint32_t>(s.width);
        kp.argmax_value = r[6];
        kp.soft_x = r[1] / S;
        kp.soft_y = r[2] / S;
        kp.peak_probability = 1.0 / S;
      }
      if (!debiased) continue;
      // core/lab/debiased.cpp debiased_softargmax's fallbacks, on the GPU's sums.
      DecodedPoint& d = g.debiased[j][c];
      const double ds = r[3];
      if (!kp.valid) {
        d = {kp.soft_x, kp.soft_y, 0, false};
      } else if (kp.argmax_value == INFINITY || !(ds > 0) || !std::isfinite(ds)) {
        d = {kp.soft_x, kp.soft_y, kp.peak_probability, true};
      } else {
        const double m = kp.argmax_value;
        const double b = effective_beta({betas[j], normalize}, m);
        d = {r[4] / ds, r[5] / ds, debiased_weight(m, b, m) / ds, true};
      }
    }
  return g;
}

}  // namespace peakscope::gpu
