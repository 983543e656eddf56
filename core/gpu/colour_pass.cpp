#include "core/gpu/colour_pass.hpp"

#include "shaders/shader_sources.hpp"

namespace peakscope::gpu {
namespace {

// A 256 x 1 lookup texture, read with texelFetch.
void lookup_texture(GLuint tex, GLint internal, GLenum format, GLenum type, const void* data) {
  glBindTexture(GL_TEXTURE_2D, tex);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, internal, ColourScale::kEntries, 1, 0, format, type, data);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, 0);
}

}  // namespace

ColourPass::ColourPass(const std::string& glsl_version) {
  const GLuint vs = compile_shader(GL_VERTEX_SHADER, "heatmap_view", {shaders::heatmap_view_vert},
                                   {}, glsl_version);
  const GLuint fs = compile_shader(GL_FRAGMENT_SHADER, "heatmap_view", {shaders::heatmap_view_frag},
                                   {}, glsl_version);
  prog_ = Program(link_program("heatmap_view", {vs, fs}));
  const float quad[8] = {0, 0, 1, 0, 0, 1, 1, 1};
  glGenVertexArrays(1, &vao_);
  glGenBuffers(1, &vbo_);
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  glBufferData(GL_ARRAY_BUFFER, sizeof(quad), quad, GL_STATIC_DRAW);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
  glBindVertexArray(0);
  glGenTextures(1, &lut_);
  glGenTextures(1, &edges_);
}

ColourPass::~ColourPass() {
  for (GLuint* t : {&lut_, &edges_})
    if (*t) glDeleteTextures(1, t);
  if (vbo_) glDeleteBuffers(1, &vbo_);
  if (vao_) glDeleteVertexArrays(1, &vao_);
}

void ColourPass::draw(GLuint values, GLuint fbo, int w, int h, const ColourScale& scale,
                      const ColourTable& table) {
  if (!lut_valid_ || lut_table_ != table) {
    lookup_texture(lut_, GL_RGB8, GL_RGB, GL_UNSIGNED_BYTE, table.data());
    lut_table_ = table;
    lut_valid_ = true;
  }
  lookup_texture(edges_, GL_R32F, GL_RED, GL_FLOAT, scale.edges().data());
  GLint prev_fbo = 0, prev_unit = 0, vp[4];
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &prev_fbo);
  glGetIntegerv(GL_ACTIVE_TEXTURE, &prev_unit);
  glGetIntegerv(GL_VIEWPORT, vp);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glViewport(0, 0, w, h);
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
  glUseProgram(prog_.id());
  glUniform1i(prog_.loc("uMap"), 0);
  glUniform1i(prog_.loc("uEdges"), 1);
  glUniform1i(prog_.loc("uLut"), 2);
  glUniform3f(prog_.loc("uNanColour"), kNanColour[0] / 255.0f, kNanColour[1] / 255.0f,
              kNanColour[2] / 255.0f);
  const GLuint units[3] = {values, edges_, lut_};
  for (int u = 0; u < 3; ++u) {
    glActiveTexture(GL_TEXTURE0 + u);
    glBindTexture(GL_TEXTURE_2D, units[u]);
  }
  glBindVertexArray(vao_);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
  glActiveTexture(static_cast<GLenum>(prev_unit));
  glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(prev_fbo));
  glViewport(vp[0], vp[1], vp[2], vp[3]);
}

}  // namespace peakscope::gpu
