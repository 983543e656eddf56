#include "core/gpu/gl_engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/gpu/decode_types.hpp"
#include "core/gpu/egl_context.hpp"
#include "core/gpu/shader_sources.hpp"

namespace peakscope::gpu {
namespace {

using ResultRecord = Result;  // core/gpu/decode_types.hpp
constexpr std::size_t kPartialBytes = sizeof(Partial);
constexpr GLuint64 kWaitNs = 5'000'000'000ull;  // a frame taking 5 s is a broken GPU

std::size_t round4(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

void check_gl(const char* where) {
  const GLenum e = glGetError();
  if (e != GL_NO_ERROR) {
    char code[16];
    std::snprintf(code, sizeof code, "0x%04x", e);
    throw GlError(std::string("OpenGL error ") + code + " in " + where);
  }
}

}  // namespace

GlEngine::GlEngine() {
  context_ = current_gl_context();
  if (!context_) throw GlError("no current OpenGL context on this thread");
  const int ver = gl_version();
  if (ver < 43) {
    const char* v = reinterpret_cast<const char*>(glGetString(GL_VERSION));
    throw GlError(std::string("OpenGL ") + (v ? v : "?") +
                  " is below 4.3 (compute shaders need 4.3)");
  }
  if (ver < 44 && !epoxy_has_gl_extension("GL_ARB_buffer_storage"))
    throw GlError("GL_ARB_buffer_storage is missing (needed for persistently mapped buffers)");
  robust_ = ver >= 45 || epoxy_has_gl_extension("GL_KHR_robustness") ||
            epoxy_has_gl_extension("GL_ARB_robustness");
  // Every shader that exchanges records starts with decode_types.glsl (one declaration).
  const ShaderPart types{"decode_types.glsl", shaders::decode_types_glsl};
  const ShaderPart common{"common.glsl", shaders::common_glsl};
  const ShaderPart partial{"decode_partial.comp", shaders::decode_partial_comp};
  const ShaderPart combine{"decode_combine.comp", shaders::decode_combine_comp};
  const ShaderPart softmax{"softmax_map.comp", shaders::softmax_map_comp};
  partial_f32_ = make_compute("decode_partial", {types, common, partial});
  partial_u8_ = make_compute("decode_partial", {types, common, partial}, {"INPUT_U8"});
  max_f32_ = make_compute("decode_partial", {types, common, partial}, {"MAX_ONLY"});
  max_u8_ = make_compute("decode_partial", {types, common, partial}, {"INPUT_U8", "MAX_ONLY"});
  combine_ = make_compute("decode_combine", {types, combine});
  combine_max_ = make_compute("decode_combine", {types, combine}, {"MAX_ONLY"});
  softmax_f32_ = make_compute("softmax_map", {types, common, softmax});
  softmax_u8_ = make_compute("softmax_map", {types, common, softmax}, {"INPUT_U8"});
  renderer_ = renderer();
  glGetIntegerv(GL_MAX_SHADER_STORAGE_BLOCK_SIZE, &max_ssbo_bytes_);
  for (Slot& s : slots_) glGenQueries(1, &s.query);
  check_gl("engine start-up");
}

GlEngine::~GlEngine() {
  if (current_gl_context() != context_) return;  // the objects go with their context
  for (Slot& s : slots_) {
    if (s.fence) glDeleteSync(s.fence);
    for (GLuint* b : {&s.input, &s.partials, &s.betas, &s.results})
      if (*b) glDeleteBuffers(1, b);
    if (s.query) glDeleteQueries(1, &s.query);
  }
  if (softmax_tex_) glDeleteTextures(1, &softmax_tex_);
}

void GlEngine::check_context(const char* where) const {
  void* cur = current_gl_context();
  if (!cur)
    throw GlError(std::string(where) +
                  ": no current OpenGL context on this thread (the GPU "
                  "engine runs only on the thread where its context is current)");
  if (cur != context_)
    throw GlError(std::string(where) +
                  ": another OpenGL context is current, not the one the GPU engine was made on");
  if (robust_) {
    const GLenum r = glGetGraphicsResetStatus();
    if (r != GL_NO_ERROR) {
      char code[16];
      std::snprintf(code, sizeof code, "0x%04x", r);
      throw GlError(std::string(where) + ": the OpenGL context was lost (reset status " + code +
                    ")");
    }
  }
}

std::string GlEngine::description() const {
  return "GPU (" + renderer_ + ")";
}

std::string GlEngine::renderer() const {
  const char* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  const char* v = reinterpret_cast<const char*>(glGetString(GL_VERSION));
  return std::string(r ? r : "?") + ", OpenGL " + (v ? v : "?");
}

void GlEngine::ensure_capacity(Slot& s, std::size_t input_bytes, std::size_t partial_bytes,
                               int channels) {
  constexpr GLbitfield kWrite = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
  constexpr GLbitfield kRead = GL_MAP_READ_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
  if (input_bytes > s.input_cap) {
    if (s.input) glDeleteBuffers(1, &s.input);
    const std::size_t cap = std::max(input_bytes, s.input_cap * 3 / 2);
    glGenBuffers(1, &s.input);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, s.input);
    glBufferStorage(GL_SHADER_STORAGE_BUFFER, static_cast<GLsizeiptr>(cap), nullptr, kWrite);
    s.input_ptr =
        glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, static_cast<GLsizeiptr>(cap), kWrite);
    if (!s.input_ptr)
      throw GlError("cannot map an input buffer of " + std::to_string(cap) + " bytes");
    s.input_cap = cap;
  }
  if (partial_bytes > s.partial_cap) {
    if (s.partials) glDeleteBuffers(1, &s.partials);
    glGenBuffers(1, &s.partials);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, s.partials);
    glBufferStorage(GL_SHADER_STORAGE_BUFFER, static_cast<GLsizeiptr>(partial_bytes), nullptr, 0);
    s.partial_cap = partial_bytes;
  }
  if (static_cast<std::size_t>(channels) > s.channel_cap) {
    for (GLuint* b : {&s.betas, &s.results})
      if (*b) glDeleteBuffers(1, b);
    glGenBuffers(1, &s.betas);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, s.betas);
    glBufferStorage(GL_SHADER_STORAGE_BUFFER, static_cast<GLsizeiptr>(channels * sizeof(float)),
                    nullptr, GL_DYNAMIC_STORAGE_BIT);
    glGenBuffers(1, &s.results);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, s.results);
    const auto rb = static_cast<GLsizeiptr>(channels * sizeof(ResultRecord));
    glBufferStorage(GL_SHADER_STORAGE_BUFFER, rb, nullptr, kRead);
    s.results_ptr = glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, rb, kRead);
    if (!s.results_ptr) throw GlError("cannot map the results buffer");
    s.channel_cap = static_cast<std::size_t>(channels);
  }
  check_gl("buffer allocation");
}

void GlEngine::wait_fence(Slot& s) {
  if (!s.fence) return;
  const GLenum r = glClientWaitSync(s.fence, GL_SYNC_FLUSH_COMMANDS_BIT, kWaitNs);
  if (r == GL_TIMEOUT_EXPIRED || r == GL_WAIT_FAILED)
    throw GlError("the GPU did not finish a frame within 5 s");
}

void GlEngine::set_input_uniforms(const Program& p, const Slot& s) const {
  glUniform1ui(p.loc("uWidth"), static_cast<GLuint>(s.width));
  glUniform1ui(p.loc("uHeight"), static_cast<GLuint>(s.height));
  glUniform1ui(p.loc("uRowStride"), static_cast<GLuint>(s.width));
  glUniform1ui(p.loc("uChannelStride"), static_cast<GLuint>(s.width * s.height));
  glUniform1ui(p.loc("uBaseOffset"), 0u);
}

std::uint64_t GlEngine::submit(const HeatmapView& map, const DecodeOptions& opt) {
  map.validate();
  opt.validate();
  check_context("GPU decode");
  const std::size_t es = elem_size(map.type);
  const std::size_t plane = map.pixels();
  const std::size_t bytes = plane * map.channels * es;
  if (plane >= (std::size_t{1} << 31) || round4(bytes) > static_cast<std::size_t>(max_ssbo_bytes_))
    throw GlError("a " + std::to_string(map.channels) + " x " + std::to_string(map.height) + " x " +
                  std::to_string(map.width) + " " + elem_name(map.type) + " frame (" +
                  std::to_string(bytes) + " bytes) exceeds the GPU's storage block limit of " +
                  std::to_string(max_ssbo_bytes_) + " bytes");
  // Elements per workgroup: >= 4096, and at most 2048 groups per channel.
  const std::size_t per_group = std::max<std::size_t>(4096, (plane + 2047) / 2048);
  const int groups = static_cast<int>((plane + per_group - 1) / per_group);

  Slot& s = slots_[next_];
  if (s.busy) {
    // The ring is full and nobody polled this slot's frame: wait for it; its results are
    // replaced by this frame's (a viewer polls every frame, the CLI waits on each).
    wait_fence(s);
  }
  ensure_capacity(s, round4(bytes), static_cast<std::size_t>(groups) * map.channels * kPartialBytes,
                  map.channels);
  // Upload: dense K x H x W into the mapped buffer (one memcpy when the view is dense).
  auto* dst = static_cast<std::uint8_t*>(s.input_ptr);
  const auto* src = static_cast<const std::uint8_t*>(map.data);
  if (map.row_stride == map.width &&
      (map.channels == 1 || map.channel_stride == static_cast<std::ptrdiff_t>(plane))) {
    std::memcpy(dst, src, bytes);
  } else {
    for (int c = 0; c < map.channels; ++c)
      for (int y = 0; y < map.height; ++y)
        std::memcpy(dst + (c * plane + static_cast<std::size_t>(y) * map.width) * es,
                    src + (c * map.channel_stride + y * map.row_stride) * es, map.width * es);
  }
  s.width = map.width;
  s.height = map.height;
  s.channels = map.channels;
  s.groups = groups;
  s.type = map.type;
  s.id = ++frame_id_;

  glBeginQuery(GL_TIME_ELAPSED, s.query);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, s.input);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 1, s.partials);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, s.betas);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 3, s.results);
  const bool u8 = map.type == ElemType::kUInt8;
  if (opt.normalize) {
    const Program& mp = u8 ? max_u8_ : max_f32_;
    glUseProgram(mp.id());
    set_input_uniforms(mp, s);
    glUniform1ui(mp.loc("uElemsPerGroup"), static_cast<GLuint>(per_group));
    glDispatchCompute(static_cast<GLuint>(groups), static_cast<GLuint>(map.channels), 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    glUseProgram(combine_max_.id());
    glUniform1ui(combine_max_.loc("uGroups"), static_cast<GLuint>(groups));
    glUniform1f(combine_max_.loc("uBeta"),
                static_cast<float>(std::min<double>(opt.beta, std::numeric_limits<float>::max())));
    glDispatchCompute(1, static_cast<GLuint>(map.channels), 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  } else {
    const std::vector<float> betas(map.channels, static_cast<float>(std::min<double>(
                                                     opt.beta, std::numeric_limits<float>::max())));
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, s.betas);
    glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, static_cast<GLsizeiptr>(betas.size() * 4),
                    betas.data());
  }
  const Program& pp = u8 ? partial_u8_ : partial_f32_;
  glUseProgram(pp.id());
  set_input_uniforms(pp, s);
  glUniform1ui(pp.loc("uElemsPerGroup"), static_cast<GLuint>(per_group));
  glDispatchCompute(static_cast<GLuint>(groups), static_cast<GLuint>(map.channels), 1);
  glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  glUseProgram(combine_.id());
  glUniform1ui(combine_.loc("uGroups"), static_cast<GLuint>(groups));
  glDispatchCompute(1, static_cast<GLuint>(map.channels), 1);
  glMemoryBarrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT | GL_SHADER_STORAGE_BARRIER_BIT);
  glEndQuery(GL_TIME_ELAPSED);
  if (s.fence) glDeleteSync(s.fence);
  s.fence = glFenceSync(GL_SYNC_GPU_COMMANDS_COMPLETE, 0);
  if (!s.fence) throw GlError("glFenceSync failed (lost OpenGL context?)");
  glFlush();
  check_gl("decode dispatch");
  if (!s.busy) in_flight_.push_back(next_);
  s.busy = true;
  last_ = next_;
  next_ = (next_ + 1) % kSlots;
  return s.id;
}

GpuFrame GlEngine::read_back(Slot& s) {
  GpuFrame f;
  f.id = s.id;
  const auto* rec = static_cast<const ResultRecord*>(s.results_ptr);
  f.keypoints.resize(s.channels);
  for (int c = 0; c < s.channels; ++c) {
    const ResultRecord& r = rec[c];
    Keypoint& k = f.keypoints[c];
    if (r.peak > 0 && r.idx != 0xffffffffu) {
      k.argmax_x = r.idx % static_cast<std::uint32_t>(s.width);
      k.argmax_y = r.idx / static_cast<std::uint32_t>(s.width);
      k.argmax_value = r.value;
      k.soft_x = r.sx;
      k.soft_y = r.sy;
      k.peak_probability = r.peak;
    } else {  // no valid pixel: the policy of core/decode.hpp
      k.valid = false;
      k.argmax_x = k.soft_x = 0.5 * (s.width - 1);
      k.argmax_y = k.soft_y = 0.5 * (s.height - 1);
      k.argmax_value = std::numeric_limits<double>::quiet_NaN();
    }
  }
  GLint avail = 0;
  glGetQueryObjectiv(s.query, GL_QUERY_RESULT_AVAILABLE, &avail);
  if (avail) {
    GLuint64 ns = 0;
    glGetQueryObjectui64v(s.query, GL_QUERY_RESULT, &ns);
    f.gpu_ms = static_cast<double>(ns) * 1e-6;
  }
  s.busy = false;
  return f;
}

std::optional<GpuFrame> GlEngine::poll(bool wait) {
  if (in_flight_.empty()) return std::nullopt;
  check_context("GPU poll");
  Slot& s = slots_[in_flight_.front()];
  if (wait) {
    wait_fence(s);
  } else {
    const GLenum r = glClientWaitSync(s.fence, 0, 0);
    if (r == GL_TIMEOUT_EXPIRED) return std::nullopt;
    if (r == GL_WAIT_FAILED) throw GlError("glClientWaitSync failed");
  }
  in_flight_.erase(in_flight_.begin());
  return read_back(s);
}

std::vector<Keypoint> GlEngine::decode(const HeatmapView& map, const DecodeOptions& opt) {
  const std::uint64_t id = submit(map, opt);
  for (;;) {
    std::optional<GpuFrame> f = poll(true);
    if (!f) throw GlError("decode: frame lost");
    if (f->id == id) {
      last_keypoints_ = f->keypoints;
      return std::move(f->keypoints);
    }
  }
}

SoftmaxImage GlEngine::softmax(const HeatmapView& map, int c, const DecodeOptions& opt) {
  map.validate();
  if (c < 0 || c >= map.channels)
    throw std::out_of_range("softmax: channel " + std::to_string(c) + " out of range");
  decode(map, opt);
  return last_softmax(c);
}

SoftmaxImage GlEngine::last_softmax(int c) {
  if (last_keypoints_.empty()) throw std::logic_error("last_softmax before any decode");
  if (c < 0 || c >= static_cast<int>(last_keypoints_.size()))
    throw std::out_of_range("last_softmax: channel " + std::to_string(c) + " out of range");
  SoftmaxImage img;
  img.gl_texture = softmax_texture(c);
  img.width = slots_[last_].width;
  img.height = slots_[last_].height;
  img.keypoint = last_keypoints_[c];
  return img;
}

GLuint GlEngine::softmax_texture(int channel) {
  if (last_ < 0) throw std::logic_error("softmax_texture before any submit");
  check_context("GPU softmax map");
  const Slot& s = slots_[last_];
  if (channel < 0 || channel >= s.channels)
    throw std::out_of_range("softmax_texture: channel " + std::to_string(channel));
  if (!softmax_tex_ || tex_w_ != s.width || tex_h_ != s.height) {
    if (softmax_tex_) glDeleteTextures(1, &softmax_tex_);
    glGenTextures(1, &softmax_tex_);
    glBindTexture(GL_TEXTURE_2D, softmax_tex_);
    glTexStorage2D(GL_TEXTURE_2D, 1, GL_R32F, s.width, s.height);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    tex_w_ = s.width;
    tex_h_ = s.height;
  }
  const Program& p = s.type == ElemType::kUInt8 ? softmax_u8_ : softmax_f32_;
  glUseProgram(p.id());
  set_input_uniforms(p, s);
  glUniform1ui(p.loc("uChannel"), static_cast<GLuint>(channel));
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 0, s.input);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 2, s.betas);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, 3, s.results);
  glBindImageTexture(0, softmax_tex_, 0, GL_FALSE, 0, GL_WRITE_ONLY, GL_R32F);
  glDispatchCompute(static_cast<GLuint>((s.width + 15) / 16),
                    static_cast<GLuint>((s.height + 15) / 16), 1);
  glMemoryBarrier(GL_TEXTURE_FETCH_BARRIER_BIT | GL_TEXTURE_UPDATE_BARRIER_BIT);
  check_gl("softmax map");
  return softmax_tex_;
}

}  // namespace peakscope::gpu
