// One part of a shader's source: a file of shaders/ (embedded at build time: the generated
// shaders/shader_sources.hpp declares one ShaderPart per file) or any other text.
#pragma once

namespace peakscope::gpu {

// Its name (for messages: the file name) and its text (NUL-terminated).
struct ShaderPart {
  const char* name;
  const char* text;
};

}  // namespace peakscope::gpu
