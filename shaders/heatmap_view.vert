// A quad over the whole framebuffer: heatmap_view.frag colours one texel per pixel.
layout(location = 0) in vec2 aPos;  // [0,1]^2
void main() {
  gl_Position = vec4(aPos * 2.0 - 1.0, 0.0, 1.0);
}
