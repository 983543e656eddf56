// Compiling and linking GL programs from the embedded shader files, with errors that name
// the shader, its variant and the driver's log.
#pragma once

#include <epoxy/gl.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "core/gpu/shader_part.hpp"

namespace peakscope::gpu {

// A GL failure at start-up or run time (shader compile/link, missing version, GL error).
struct GlError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws GlError "OpenGL error 0x0502 in <where>" when glGetError reports an error.
void check_gl(const char* where);

// Sets the bound GL_TEXTURE_2D's min and mag filter to `filter` and clamps it at the edges
// (the views' and the engine's map textures alike).
void set_texture_sampling(GLint filter);

// Compiles `parts` (after "#version <version>" and the `defines`, one "#define X" each) as
// a shader of `type`. Throws GlError naming `name`, the parts, the defines and the info log.
GLuint compile_shader(GLenum type, const std::string& name, const std::vector<ShaderPart>& parts,
                      const std::vector<std::string>& defines = {},
                      const std::string& version = "430 core");
GLuint link_program(const std::string& name, const std::vector<GLuint>& shaders);

// RAII owner of a program object, tied to the context current when it was made: it is
// deleted only while that context is current (a program name means another program on another
// context); otherwise it goes with its context.
class Program {
 public:
  Program() = default;
  explicit Program(GLuint id);
  ~Program() { reset(); }
  Program(Program&& o) noexcept : id_(o.id_), context_(o.context_) { o.id_ = 0; }
  Program& operator=(Program&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      context_ = o.context_;
      o.id_ = 0;
    }
    return *this;
  }
  GLuint id() const { return id_; }
  GLint loc(const char* uniform) const { return glGetUniformLocation(id_, uniform); }
  void reset();

 private:
  GLuint id_ = 0;
  void* context_ = nullptr;
};

// A compute program from parts (one-call form of compile_shader + link_program).
Program make_compute(const std::string& name, const std::vector<ShaderPart>& parts,
                     const std::vector<std::string>& defines = {});

// The current context's GL version as major * 10 + minor (e.g. 45), 0 without a context.

int gl_version();

// The current context's GL_RENDERER string ("" without one): what core/gpu/device_traits.hpp
// tells the device by.
std::string current_renderer();

}  // namespace peakscope::gpu
