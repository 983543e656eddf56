// The GPU half of the colour scale (core/colour_scale.hpp): colours a one-channel float
// texture into an RGBA8 framebuffer by shaders/heatmap_view.*, giving the bytes colour_rgba
// gives on the CPU for the same values, scale and table.
#pragma once

#include <epoxy/gl.h>

#include <string>

#include "core/colour_scale.hpp"
#include "core/gpu/gl_program.hpp"

namespace peakscope::gpu {

class ColourPass {
 public:
  // Compiles the shaders on the current context. glsl_version: "330 core" works everywhere
  // the viewer runs (also below GL 4.3). Throws GlError naming the shader on failure.
  explicit ColourPass(const std::string& glsl_version = "330 core");
  // Deletes its GL objects: the context it was made on must be current.
  ~ColourPass();
  ColourPass(const ColourPass&) = delete;
  ColourPass& operator=(const ColourPass&) = delete;

  // Colours texel (x, y) of `values` (an r32f texture of at least w x h, read by texelFetch:
  // one level, or a filter without mipmaps) into pixel (x, y) of `fbo`'s colour attachment
  // (rgba8, w x h). Restores the framebuffer binding, the viewport
  // and the active texture unit; leaves blending and the scissor test disabled.
  void draw(GLuint values, GLuint fbo, int w, int h, const ColourScale& scale,
            const ColourTable& table);

 private:
  Program prog_;
  GLuint vao_ = 0, vbo_ = 0, lut_ = 0, edges_ = 0;
  ColourTable lut_table_{};
  bool lut_valid_ = false;
};

}  // namespace peakscope::gpu
