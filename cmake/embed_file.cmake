# Invoked by peakscope_embed: writes OUT, a C++ source defining the shader part NS::NAME, the
# file FILE_NAME with IN's text as a NUL-terminated char array.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "// Generated from ${IN}; do not edit.\n"
                  "#include \"core/gpu/shader_part.hpp\"\n"
                  "namespace ${NS} {\n"
                  "namespace {\n"
                  "const char kText[] = {${bytes} 0x00};\n"
                  "}  // namespace\n"
                  "extern const ::peakscope::gpu::ShaderPart ${NAME};\n"
                  "const ::peakscope::gpu::ShaderPart ${NAME}{\"${FILE_NAME}\", kText};\n"
                  "}  // namespace ${NS}\n")
