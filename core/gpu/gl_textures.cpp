// The softmax map and the raw values of one channel of the last submitted frame, as r32f
// textures written by shaders/softmax_map.comp from the frame in device memory (no CPU round
// trip): the viewer draws them as they are.
#include <stdexcept>
#include <string>

#include "core/gpu/gl_engine.hpp"
#include "core/gpu/gl_engine_detail.hpp"

namespace peakscope::gpu {

using namespace detail;

namespace {

// (Re)creates an r32f w x h texture in *tex when its size changed.
void ensure_r32f(GLuint* tex, int* tw, int* th, int w, int h) {
  if (*tex && *tw == w && *th == h) return;
  if (*tex) glDeleteTextures(1, tex);
  glGenTextures(1, tex);
  glBindTexture(GL_TEXTURE_2D, *tex);
  glTexStorage2D(GL_TEXTURE_2D, 1, GL_R32F, w, h);
  set_texture_sampling(GL_NEAREST);
  *tw = w;
  *th = h;
}

}  // namespace

GLuint GlEngine::map_texture(int channel, bool values) {
  if (last_ < 0) throw std::logic_error("softmax_texture before any submit");
  check_context("GPU softmax map");
  const Slot& s = slots_[last_];
  if (channel < 0 || channel >= s.channels)
    throw std::out_of_range("softmax_texture: channel " + std::to_string(channel));
  GLuint* tex = values ? &values_tex_ : &softmax_tex_;
  if (values)
    ensure_r32f(tex, &values_w_, &values_h_, s.width, s.height);
  else
    ensure_r32f(tex, &tex_w_, &tex_h_, s.width, s.height);
  const bool u8 = s.type == ElemType::kUInt8;
  const Program& p = values ? (u8 ? values_u8_ : values_f32_) : (u8 ? softmax_u8_ : softmax_f32_);
  glUseProgram(p.id());
  set_frame_uniforms(p, s);
  glUniform1ui(p.loc("uChannel"), static_cast<GLuint>(channel));
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindInput, s.on_device ? s.device : s.staging);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindScales, s.scales);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindResults, s.results);
  glBindImageTexture(0, *tex, 0, GL_FALSE, 0, GL_WRITE_ONLY, GL_R32F);
  glDispatchCompute(static_cast<GLuint>((s.width + 15) / 16),
                    static_cast<GLuint>((s.height + 15) / 16), 1);
  glMemoryBarrier(GL_TEXTURE_FETCH_BARRIER_BIT | GL_TEXTURE_UPDATE_BARRIER_BIT);
  check_gl(values ? "values map" : "softmax map");
  return *tex;
}

GLuint GlEngine::softmax_texture(int channel) {
  return map_texture(channel, false);
}

GLuint GlEngine::values_texture(int channel) {
  return map_texture(channel, true);
}

}  // namespace peakscope::gpu
