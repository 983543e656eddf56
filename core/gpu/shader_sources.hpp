// The shader files of shaders/, embedded into the binary at build time (cmake/Embed.cmake).
#pragma once

namespace peakscope::shaders {
extern const char common_glsl[];
extern const char decode_types_glsl[];
extern const char decode_partial_comp[];
extern const char decode_combine_comp[];
extern const char softmax_map_comp[];
extern const char scene_render_comp[];
extern const char lab_window_comp[];
extern const char lab_blur_comp[];
extern const char lab_grid_comp[];
extern const char heatmap_view_vert[];
extern const char heatmap_view_frag[];
}  // namespace peakscope::shaders
