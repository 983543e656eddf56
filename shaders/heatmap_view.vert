// A textured quad: the viewer draws heatmaps and softmax maps as textures.
layout(location = 0) in vec2 aPos;  // [0,1]^2
uniform vec4 uRect;                 // x0, y0, x1, y1 in clip space
out vec2 vUv;
void main() {
  vUv = aPos;
  gl_Position = vec4(mix(uRect.xy, uRect.zw, aPos), 0.0, 1.0);
}
