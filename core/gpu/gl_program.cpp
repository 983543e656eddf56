#include "core/gpu/gl_program.hpp"

#include "core/gpu/egl_context.hpp"

#include <cstdio>

namespace peakscope::gpu {

GLuint compile_shader(GLenum type, const std::string& name, const std::vector<ShaderPart>& parts,
                      const std::vector<std::string>& defines, const std::string& version) {
  std::string head = "#version " + version + "\n";
  std::string variant;
  for (const std::string& d : defines) {
    head += "#define " + d + "\n";
    variant += (variant.empty() ? "" : ",") + d;
  }
  std::vector<const char*> srcs{head.c_str()};
  for (const ShaderPart& p : parts) srcs.push_back(p.text);
  const GLuint sh = glCreateShader(type);
  glShaderSource(sh, static_cast<GLsizei>(srcs.size()), srcs.data(), nullptr);
  glCompileShader(sh);
  GLint ok = 0, len = 0;
  glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    glGetShaderiv(sh, GL_INFO_LOG_LENGTH, &len);
    std::string log(static_cast<std::size_t>(std::max(len, 1)), '\0');
    glGetShaderInfoLog(sh, len, nullptr, log.data());
    glDeleteShader(sh);
    std::string files;
    for (const ShaderPart& p : parts) files += (files.empty() ? "" : " + ") + std::string(p.name);
    throw GlError("shader " + name + " (" + files + (variant.empty() ? "" : ", " + variant) +
                  ", GLSL " + version + ") failed to compile:\n" + log);
  }
  return sh;
}

GLuint link_program(const std::string& name, const std::vector<GLuint>& shaders) {
  const GLuint prog = glCreateProgram();
  for (GLuint s : shaders) glAttachShader(prog, s);
  glLinkProgram(prog);
  for (GLuint s : shaders) glDeleteShader(s);
  GLint ok = 0, len = 0;
  glGetProgramiv(prog, GL_LINK_STATUS, &ok);
  if (!ok) {
    glGetProgramiv(prog, GL_INFO_LOG_LENGTH, &len);
    std::string log(static_cast<std::size_t>(std::max(len, 1)), '\0');
    glGetProgramInfoLog(prog, len, nullptr, log.data());
    glDeleteProgram(prog);
    throw GlError("program " + name + " failed to link:\n" + log);
  }
  return prog;
}

void set_texture_sampling(GLint filter) {
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
}

void check_gl(const char* where) {
  const GLenum e = glGetError();
  if (e != GL_NO_ERROR) {
    char code[16];
    std::snprintf(code, sizeof code, "0x%04x", e);
    throw GlError(std::string("OpenGL error ") + code + " in " + where);
  }
}

Program::Program(GLuint id) : id_(id), context_(current_gl_context()) {}

void Program::reset() {
  if (id_ && current_gl_context() == context_) glDeleteProgram(id_);
  id_ = 0;
}

Program make_compute(const std::string& name, const std::vector<ShaderPart>& parts,
                     const std::vector<std::string>& defines) {
  return Program(link_program(name, {compile_shader(GL_COMPUTE_SHADER, name, parts, defines)}));
}

int gl_version() {
  GLint major = 0, minor = 0;
  glGetIntegerv(GL_MAJOR_VERSION, &major);
  glGetIntegerv(GL_MINOR_VERSION, &minor);
  return major * 10 + minor;
}

std::string current_renderer() {
  const char* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
  return r ? r : "";
}

}  // namespace peakscope::gpu
