#include "core/gpu/gl_engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <numbers>
#include <thread>

#include "core/cpu/thread_pool.hpp"
#include "core/gpu/decode_types.hpp"
#include "core/gpu/device_traits.hpp"
#include "core/gpu/egl_context.hpp"
#include "core/gpu/gl_engine_detail.hpp"
#include "shaders/shader_sources.hpp"

namespace peakscope::gpu {

using namespace detail;

namespace {

// beta_eff split as ChannelScale (see decode_types.glsl); the GLSL twin is make_scale in
// decode_combine.comp (normalise: computed on the GPU from the channel max).
ChannelScale make_scale(double beta_eff) {
  int e = 0;
  const double fr = std::frexp(2.0 * beta_eff, &e);
  const int e1 = e / 2;
  return {static_cast<float>(fr), std::ldexp(1.0f, e1), std::ldexp(1.0f, e - e1), 0};
}

}  // namespace

GlEngine::GlEngine(Placement placement) {
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
  const ShaderPart types = shaders::decode_types_glsl;
  const ShaderPart common = shaders::common_glsl;
  const ShaderPart partial = shaders::decode_partial_comp;
  const ShaderPart combine = shaders::decode_combine_comp;
  const ShaderPart softmax = shaders::softmax_map_comp;
  const ShaderPart scene = shaders::scene_render_comp;
  renderer_ = renderer();
  // Software rasteriser, placement: core/gpu/device_traits.hpp (PEAKSCOPE_GPU_PLACEMENT).
  const DeviceTraits traits = device_traits(renderer_, device_env());
  software_ = traits.software_rasteriser;
  // The reductions' workgroup size (WG in decode_partial.comp / decode_combine.comp).
  auto with_wg = [&](std::vector<std::string> defs) {
    if (software_) defs.push_back("WG " + std::to_string(kSoftwareWorkgroup));
    return defs;
  };
  partial_f32_ = make_compute("decode_partial", {types, common, partial}, with_wg({}));
  partial_u8_ = make_compute("decode_partial", {types, common, partial}, with_wg({"INPUT_U8"}));
  max_f32_ = make_compute("decode_partial", {types, common, partial}, with_wg({"MAX_ONLY"}));
  max_u8_ =
      make_compute("decode_partial", {types, common, partial}, with_wg({"INPUT_U8", "MAX_ONLY"}));
  combine_ = make_compute("decode_combine", {types, common, combine}, with_wg({}));
  combine_max_ = make_compute("decode_combine", {types, common, combine}, with_wg({"MAX_ONLY"}));
  softmax_f32_ = make_compute("softmax_map", {types, common, softmax});
  softmax_u8_ = make_compute("softmax_map", {types, common, softmax}, {"INPUT_U8"});
  values_f32_ = make_compute("softmax_map", {types, common, softmax}, {"VALUES"});
  values_u8_ = make_compute("softmax_map", {types, common, softmax}, {"INPUT_U8", "VALUES"});
  scene_f32_ = make_compute("scene_render", {types, scene}, {"PER_SUBJECT"});
  scene_u8_ = make_compute("scene_render", {types, scene}, {"PER_SUBJECT", "OUTPUT_U8"});
  scene_sum_ = make_compute("scene_render", {types, scene}, {"SUM"});
  scene_store_f32_ = make_compute("scene_render", {types, scene}, {"STORE"});
  scene_store_u8_ = make_compute("scene_render", {types, scene}, {"STORE", "OUTPUT_U8"});
  glGetIntegerv(GL_MAX_SHADER_STORAGE_BLOCK_SIZE, &max_ssbo_bytes_);
  for (Slot& s : slots_) glGenQueries(1, &s.query);
  copy_ = placement == Placement::kDeviceCopy ||
          (placement == Placement::kAuto && traits.placement == Placement::kDeviceCopy);
  check_gl("engine start-up");
}

GlEngine::~GlEngine() {
  if (current_gl_context() != context_) return;  // the objects go with their context
  for (Slot& s : slots_) {
    if (s.fence) glDeleteSync(s.fence);
    for (GLuint* b : {&s.staging, &s.device, &s.partials, &s.scales, &s.results, &s.scratch})
      if (*b) glDeleteBuffers(1, b);
    if (s.query) glDeleteQueries(1, &s.query);
  }
  if (scene_subjects_) glDeleteBuffers(1, &scene_subjects_);
  if (softmax_tex_) glDeleteTextures(1, &softmax_tex_);
  if (values_tex_) glDeleteTextures(1, &values_tex_);
}

void GlEngine::check_context(const char* where) const {
  void* cur = current_gl_context();
  if (!cur)
    throw GlError(std::string(where) +
                  ": no current OpenGL context on this thread (the GPU engine runs only on the "
                  "thread where its context is current)");
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

// Vector loads per workgroup of the decode's first pass over `nvec` loads of each of
// `channels` channels. A GPU: at least 1024 loads (4 per thread), at most ~1024 workgroups per
// channel (16k-64k pixels per workgroup on large frames), enough in flight to hide memory
// latency. A software rasteriser runs workgroups on a few CPU threads and pays for every
// barrier of a workgroup's reduction tree in coroutine switches: there about four workgroups
// per CPU thread over the whole frame (a 1080p float frame: 21-24 ms instead of 62-98 ms on
// llvmpipe, 2 cores).
std::size_t GlEngine::vecs_per_group(std::size_t nvec, int channels) const {
  if (software_) {
    const std::size_t target = 4 * std::max(1u, std::thread::hardware_concurrency());
    const std::size_t per_channel = std::max<std::size_t>(1, (target + channels - 1) / channels);
    // At most kSoftwareLoadsPerThread loads per thread: llvmpipe's loop limiter ends a loop
    // after 65535 iterations (inner loops counted), silently dropping the rest of the range.
    const std::size_t cap = kSoftwareWorkgroup * kSoftwareLoadsPerThread;
    return std::clamp<std::size_t>(round_up((nvec + per_channel - 1) / per_channel, 256), 1024,
                                   cap);
  }
  return std::max<std::size_t>(1024, round_up((nvec + 1023) / 1024, 256));
}

std::string GlEngine::description() const {
  return "GPU (" + renderer_ + "; host frames " +
         (copy_ ? "staged into device memory by DMA" : "read in place: unified memory") + ")";
}

std::string GlEngine::renderer() const {
  const char* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  const char* v = reinterpret_cast<const char*>(glGetString(GL_VERSION));
  return std::string(r ? r : "?") + ", OpenGL " + (v ? v : "?");
}

// ---------------------------------------------------------------------------------------
// Buffers
// ---------------------------------------------------------------------------------------

void GlEngine::ensure_staging(Slot& s, std::size_t bytes) {
  constexpr GLbitfield kWrite = GL_MAP_WRITE_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
  if (bytes <= s.staging_cap) return;
  if (s.staging) glDeleteBuffers(1, &s.staging);
  const std::size_t cap = std::max(bytes, s.staging_cap * 3 / 2);
  glGenBuffers(1, &s.staging);
  glBindBuffer(GL_COPY_READ_BUFFER, s.staging);
  glBufferStorage(GL_COPY_READ_BUFFER, static_cast<GLsizeiptr>(cap), nullptr, kWrite);
  s.staging_ptr = glMapBufferRange(GL_COPY_READ_BUFFER, 0, static_cast<GLsizeiptr>(cap), kWrite);
  if (!s.staging_ptr)
    throw GlError("cannot map a staging buffer of " + std::to_string(cap) + " bytes");
  s.staging_cap = cap;
  check_gl("staging buffer");
}

void GlEngine::ensure_device(Slot& s, std::size_t bytes) {
  if (bytes <= s.device_cap) return;
  if (s.device) glDeleteBuffers(1, &s.device);
  const std::size_t cap = std::max(bytes, s.device_cap * 3 / 2);
  glGenBuffers(1, &s.device);
  glBindBuffer(GL_COPY_WRITE_BUFFER, s.device);
  // No map bits: the driver keeps it in device memory.
  glBufferStorage(GL_COPY_WRITE_BUFFER, static_cast<GLsizeiptr>(cap), nullptr, 0);
  s.device_cap = cap;
  check_gl("device buffer");
}

void GlEngine::ensure_work(Slot& s, std::size_t partial_bytes, int channels) {
  constexpr GLbitfield kRead = GL_MAP_READ_BIT | GL_MAP_PERSISTENT_BIT | GL_MAP_COHERENT_BIT;
  if (partial_bytes > s.partial_cap) {
    if (s.partials) glDeleteBuffers(1, &s.partials);
    glGenBuffers(1, &s.partials);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, s.partials);
    glBufferStorage(GL_SHADER_STORAGE_BUFFER, static_cast<GLsizeiptr>(partial_bytes), nullptr, 0);
    s.partial_cap = partial_bytes;
  }
  if (static_cast<std::size_t>(channels) > s.channel_cap) {
    for (GLuint* b : {&s.scales, &s.results})
      if (*b) glDeleteBuffers(1, b);
    glGenBuffers(1, &s.scales);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, s.scales);
    glBufferStorage(GL_SHADER_STORAGE_BUFFER,
                    static_cast<GLsizeiptr>(channels * sizeof(ChannelScale)), nullptr,
                    GL_DYNAMIC_STORAGE_BIT);
    glGenBuffers(1, &s.results);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, s.results);
    const auto rb = static_cast<GLsizeiptr>(channels * sizeof(Result));
    glBufferStorage(GL_SHADER_STORAGE_BUFFER, rb, nullptr, kRead);
    s.results_ptr = glMapBufferRange(GL_SHADER_STORAGE_BUFFER, 0, rb, kRead);
    if (!s.results_ptr) throw GlError("cannot map the results buffer");
    s.channel_cap = static_cast<std::size_t>(channels);
  }
  check_gl("work buffers");
}

void GlEngine::wait_fence(Slot& s) {
  if (!s.fence) return;
  const GLenum r = glClientWaitSync(s.fence, GL_SYNC_FLUSH_COMMANDS_BIT, kWaitNs);
  if (r == GL_TIMEOUT_EXPIRED) throw GlError("the GPU did not finish a frame within 5 s");
  if (r == GL_WAIT_FAILED) throw GlError("glClientWaitSync failed (lost OpenGL context?)");
}

// ---------------------------------------------------------------------------------------
// Submitting frames
// ---------------------------------------------------------------------------------------

GlEngine::Slot& GlEngine::next_slot(ElemType type, int width, int height, int channels,
                                    bool staging) {
  check_context("GPU decode");
  const std::size_t n = static_cast<std::size_t>(width) * height;
  const std::size_t plane = round_up(n, kPlaneAlign);
  const std::size_t bytes = plane * channels * elem_size(type);
  if (n >= (std::size_t{1} << 31) || bytes > static_cast<std::size_t>(max_ssbo_bytes_))
    throw GlError("a " + std::to_string(channels) + " x " + std::to_string(height) + " x " +
                  std::to_string(width) + " " + elem_name(type) + " frame (" +
                  std::to_string(bytes) + " bytes) exceeds the GPU's storage block limit of " +
                  std::to_string(max_ssbo_bytes_) + " bytes");
  Slot& s = slots_[next_];
  // A full ring whose oldest frame nobody polled: wait for it; this frame replaces it.
  if (s.busy) wait_fence(s);
  if (staging) ensure_staging(s, bytes);
  if (copy_ || !staging) ensure_device(s, bytes);
  s.width = width;
  s.height = height;
  s.channels = channels;
  s.type = type;
  s.plane = plane;
  s.bytes = bytes;
  s.on_device = copy_ || !staging;
  return s;
}

// The slot's staging memory holds the frame: DMA it into device memory where the shaders read
// device memory, then the decode's dispatches.
std::uint64_t GlEngine::stage_and_dispatch(Slot& s, const DecodeOptions& opt) {
  if (s.on_device) {
    glBindBuffer(GL_COPY_READ_BUFFER, s.staging);
    glBindBuffer(GL_COPY_WRITE_BUFFER, s.device);
    glCopyBufferSubData(GL_COPY_READ_BUFFER, GL_COPY_WRITE_BUFFER, 0, 0,
                        static_cast<GLsizeiptr>(s.bytes));
  }
  dispatch_decode(s, opt);
  return finish_submit(s);
}

void GlEngine::set_frame_uniforms(const Program& p, const Slot& s) const {
  glUniform1ui(p.loc("uWidth"), static_cast<GLuint>(s.width));
  glUniform1ui(p.loc("uHeight"), static_cast<GLuint>(s.height));
  glUniform1ui(p.loc("uPlane"), static_cast<GLuint>(s.plane));
  glUniform1ui(p.loc("uExact"), std::max(s.width, s.height) > kExactExtent ? 1u : 0u);
}

void GlEngine::dispatch_decode(Slot& s, const DecodeOptions& opt) {
  const bool u8 = s.type == ElemType::kUInt8;
  const std::size_t n = static_cast<std::size_t>(s.width) * s.height;
  const std::size_t per_load = u8 ? 16 : 4;
  const std::size_t nvec = (n + per_load - 1) / per_load;
  const std::size_t vpg = vecs_per_group(nvec, s.channels);
  const auto groups = static_cast<GLuint>((nvec + vpg - 1) / vpg);
  ensure_work(s, static_cast<std::size_t>(groups) * s.channels * sizeof(Partial), s.channels);
  s.groups = groups;
  s.vecs_per_group = vpg;

  glBeginQuery(GL_TIME_ELAPSED, s.query);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindInput, s.on_device ? s.device : s.staging);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindPartials, s.partials);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindScales, s.scales);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindResults, s.results);
  const auto k = static_cast<GLuint>(s.channels);
  if (opt.normalize) {
    // The max of every channel first; the combine turns it into each channel's scale.
    const Program& mp = u8 ? max_u8_ : max_f32_;
    glUseProgram(mp.id());
    set_frame_uniforms(mp, s);
    glUniform1ui(mp.loc("uVecsPerGroup"), static_cast<GLuint>(vpg));
    glDispatchCompute(groups, k, 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    glUseProgram(combine_max_.id());
    set_frame_uniforms(combine_max_, s);
    glUniform1ui(combine_max_.loc("uGroups"), groups);
    glUniform1d(combine_max_.loc("uBeta"), opt.beta);
    glDispatchCompute(1, k, 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  } else {
    const std::vector<ChannelScale> scales(s.channels, make_scale(opt.beta));
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, s.scales);
    glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0,
                    static_cast<GLsizeiptr>(scales.size() * sizeof(ChannelScale)), scales.data());
  }
  const Program& pp = u8 ? partial_u8_ : partial_f32_;
  glUseProgram(pp.id());
  set_frame_uniforms(pp, s);
  glUniform1ui(pp.loc("uVecsPerGroup"), static_cast<GLuint>(vpg));
  glDispatchCompute(groups, k, 1);
  glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  glUseProgram(combine_.id());
  set_frame_uniforms(combine_, s);
  glUniform1ui(combine_.loc("uGroups"), groups);
  glDispatchCompute(1, k, 1);
  glMemoryBarrier(GL_CLIENT_MAPPED_BUFFER_BARRIER_BIT | GL_SHADER_STORAGE_BARRIER_BIT);
  glEndQuery(GL_TIME_ELAPSED);
}

std::uint64_t GlEngine::finish_submit(Slot& s) {
  s.id = ++frame_id_;
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
  const auto* rec = static_cast<const Result*>(s.results_ptr);
  f.keypoints.resize(s.channels);
  for (int c = 0; c < s.channels; ++c) {
    const Result& r = rec[c];
    Keypoint& k = f.keypoints[c];
    if (r.peak > 0 && r.idx != 0xffffffffu) {
      k.argmax_x = r.idx % static_cast<std::uint32_t>(s.width);
      k.argmax_y = r.idx / static_cast<std::uint32_t>(s.width);
      k.argmax_value = r.value;
      k.soft_x = r.sx;
      k.soft_y = r.sy;
      k.peak_probability = r.peak;
    } else {
      k = invalid_keypoint(s.width, s.height);  // no valid pixel: core/decode.hpp's policy
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
    if (r == GL_WAIT_FAILED) throw GlError("glClientWaitSync failed (lost OpenGL context?)");
  }
  in_flight_.erase(in_flight_.begin());
  return read_back(s);
}

GpuFrame GlEngine::decode_resident(const DecodeOptions& opt) {
  opt.validate();
  check_context("GPU decode");
  if (last_ < 0) throw std::logic_error("decode_resident before any submit");
  while (!in_flight_.empty()) poll(true);  // the slot's earlier results are the caller's
  ++ticket_;                               // a slot acquired and not yet decoded is overtaken
  acquired_ = -1;
  Slot& s = slots_[last_];
  next_ = last_;  // reuse the same slot (its data stays)
  dispatch_decode(s, opt);
  finish_submit(s);
  next_ = (last_ + 1) % kSlots;
  generation_.advance();  // the frame's decoded results are new
  std::optional<GpuFrame> f = poll(true);
  if (!f) throw GlError("decode_resident: frame lost");
  return std::move(*f);
}

std::vector<std::uint8_t> GlEngine::read_frame() {
  check_context("GPU read frame");
  if (last_ < 0) throw std::logic_error("read_frame before any submit");
  Slot& s = slots_[last_];
  wait_fence(s);
  const std::size_t es = elem_size(s.type);
  std::vector<std::uint8_t> plane_data(s.bytes);
  glBindBuffer(GL_COPY_READ_BUFFER, s.on_device ? s.device : s.staging);
  glGetBufferSubData(GL_COPY_READ_BUFFER, 0, static_cast<GLsizeiptr>(s.bytes), plane_data.data());
  check_gl("read frame");
  // Dense K x H x W, as a HeatmapView::dense frame.
  const std::size_t n = static_cast<std::size_t>(s.width) * s.height;
  std::vector<std::uint8_t> out(n * s.channels * es);
  for (int c = 0; c < s.channels; ++c)
    std::memcpy(out.data() + c * n * es, plane_data.data() + c * s.plane * es, n * es);
  return out;
}

}  // namespace peakscope::gpu
