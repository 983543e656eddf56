// The decoding lab's panels: the decoder list (checkbox, legend swatch and readout line per
// decoder, the coordinate convention, the auto-tune button), the decoders' markers and legend
// items on the views, their series on the error-vs-beta plot, and the gradient view.
// ImGui functions over a ViewerState (its lab()), main thread only.
#pragma once

#include <epoxy/gl.h>
#include <imgui.h>

#include <functional>
#include <vector>

#include "app/viewer/eval_tracker.hpp"
#include "app/viewer/viewer_state.hpp"

namespace peakscope::viewer {

// Each lab decoder's marker: a distinct outline shape and colour (the tests look for them).
enum class DecoderShape { kSquare, kTriangleUp, kTriangleDown, kHexagon, kX, kPentagon, kOctagon };
struct DecoderStyle {
  ImU32 color;
  DecoderShape shape;
};
// For every decoder but argmax and softargmax (they keep the views' own ring and diamond).
DecoderStyle decoder_style(DecoderKind k);

// With ground truth: each decoder's error per keypoint, running mean, median and PCK (in the
// controls, last; app/viewer/panel_evaluate.cpp), unfolded at first when `open` (--ground-truth
// given; the synthetic scene's own truth leaves it folded). Nothing when no frame had ground truth.
void panel_evaluate(const ViewerState& st, EvalTracker& ev, bool open);

// The decoder list, convention, readouts, auto-tune and gradient switch (in the controls).
void panel_decoders(ViewerState& st);
// The markers of the enabled decoders of channel c: `at` maps a map pixel to the screen, z is
// the screen size of a map pixel. Outlines around a hole (MarkerStyle::hole), so the marked
// pixel stays visible.
void draw_decoder_markers(ImDrawList* dl, const ViewerState& st, int c,
                          const std::function<ImVec2(double, double)>& at, float z);
// The enabled lab decoders in legend order, and a decoder's marker shape of radius r at p (the
// legend's swatches, app/viewer/panel_views.cpp).
std::vector<DecoderKind> legend_decoders(const ViewerState& st);
void draw_decoder_shape(ImDrawList* dl, ImVec2 p, float r, DecoderKind k);

// One extra series of the error-vs-beta plot: values on the soft-argmax curve's betas, or a
// level (a horizontal line) when values is empty.
struct PlotSeries {
  std::vector<double> values;
  double level = -1;
  ImU32 color = 0;
  const char* name = "";
};
std::vector<PlotSeries> decoder_plot_series(const ViewerState& st);

// The gradient view of the shown channel, in a diverging colour map: a panel of w x h pixels
// at the cursor (the Viewer docks it beside the views); nothing while the view is off.
void panel_gradient(ViewerState& st, float w, float h);

}  // namespace peakscope::viewer
