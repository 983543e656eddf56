// The heatmap (or source frame) and softmax views: textures with markers on top (ImGui draw
// lists), zoom and pan shared by both, hover readout, legend, and the softmax view's colour
// bar with the real p range.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "app/viewer/overlay.hpp"
#include "app/viewer/panel_lab.hpp"
#include "app/viewer/panels.hpp"

namespace peakscope::viewer {

namespace {

// Markers are outlines with a hole at the centre as wide as the marked pixel, so they never
// hide what they mark. All take the centre p and the view's MarkerLook (zoom, size, opacity).
void ring(ImDrawList* dl, ImVec2 p, const MarkerLook& m, ImU32 col) {
  const float t = m.line(), r = m.hole() + 0.75f * t;
  dl->AddCircle(p, r + 0.75f * t, m.faded(MarkerStyle::kRim), 24, t);
  dl->AddCircle(p, r, m.faded(col), 24, t);
}

void diamond(ImDrawList* dl, ImVec2 p, const MarkerLook& m, ImU32 col) {
  const float t = m.line(), r = m.hole() * 1.41f + 3.0f * m.size;
  auto quad = [&](float rr, ImU32 c) {
    dl->AddQuad(ImVec2(p.x, p.y - rr), ImVec2(p.x + rr, p.y), ImVec2(p.x, p.y + rr),
                ImVec2(p.x - rr, p.y), m.faded(c), t);
  };
  quad(r + 0.75f * t, MarkerStyle::kRim);
  quad(r, col);
}

void cross(ImDrawList* dl, ImVec2 p, const MarkerLook& m, ImU32 col) {
  const float in = m.hole(), out = in + 7 * m.size;  // four arms, none over the centre
  const ImVec2 d[4] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
  for (const ImVec2& u : d) {
    const ImVec2 a(p.x + u.x * in, p.y + u.y * in), b(p.x + u.x * out, p.y + u.y * out);
    dl->AddLine(a, b, m.faded(MarkerStyle::kRim), 2 * m.line());
    dl->AddLine(a, b, m.faded(col), m.line());
  }
}

// A keypoint's name: the frame's own (a stream's, a keypoint file's) or the pose preset's;
// "" when it has none.
std::string keypoint_name(const io::Frame& fr, int c) {
  if (c >= 0 && c < static_cast<int>(fr.names.size()) && !fr.names[c].empty()) return fr.names[c];
  if (fr.pose && c >= 0 && c < static_cast<int>(fr.pose->names.size())) return fr.pose->names[c];
  return {};
}

// --pose (or a stream's skeleton) on the source frame: the skeleton between the keypoints of
// the lab's skeleton decoder (soft-argmax by default; both ends valid and drawn), under the
// markers.
void draw_skeleton(ImDrawList* dl, const ViewerState& st, const io::Frame& fr,
                   const GridMapping& grid, const ViewPlacement& place, const MarkerLook& m) {
  auto at = [&](double x, double y) {  // heatmap pixel -> screen, as draw_markers maps it
    const io::Point2 p = grid.to_image(x, y);
    return place.to_screen(p.x, p.y);
  };
  for (const auto& [a, b] : fr.pose ? fr.pose->skeleton : fr.skeleton) {
    double ax = 0, ay = 0, bx = 0, by = 0;
    if (!st.channel_drawn(a) || !st.channel_drawn(b)) continue;
    if (!st.lab().skeleton_point(a, ax, ay) || !st.lab().skeleton_point(b, bx, by)) continue;
    const ImVec2 pa = at(ax, ay), pb = at(bx, by);
    dl->AddLine(pa, pb, m.faded(MarkerStyle::kRim), 2 * m.line());
    dl->AddLine(pa, pb, m.faded(MarkerStyle::kSkeleton), m.line());
  }
}

// --pose: the model's own regressed landmarks (visibility > 0.5) as small dots over the
// markers, for comparison with what the heatmaps decode to.
void draw_regressed(ImDrawList* dl, const ViewerState& st, const io::Frame& fr,
                    const ViewPlacement& place, const MarkerLook& m) {
  for (std::size_t c = 0; c < fr.landmarks.size() && c < 33; ++c) {
    const io::Landmark& l = fr.landmarks[c];
    if (l.visibility <= 0.5 || !st.channel_drawn(static_cast<int>(c))) continue;
    const ImVec2 p = place.to_screen(l.x, l.y);
    dl->AddCircleFilled(p, 3.5f * m.size, m.faded(MarkerStyle::kRim), 12);
    dl->AddCircleFilled(p, 2.5f * m.size, m.faded(MarkerStyle::kRegressed), 12);
  }
}

// The marker nearest the pointer: its channel and which estimate it marks.
struct MarkerHit {
  int channel = -1;
  const char* what = "";
  float dist = 1e30f;
};

// Draws the markers of the channels drawn (ViewerState::channel_drawn); returns the one
// nearest `mouse` within its outer radius (channel -1: none).
MarkerHit draw_markers(ImDrawList* dl, const ViewerState& st, const ViewPlacement& place,
                       const ViewTexture& tex, ImVec2 mouse) {
  MarkerHit hit;
  const io::Frame* fr = st.frame();
  if (!fr) return hit;
  const GridMapping grid = st.grid_mapping();
  const Settings& s = st.settings();
  const MarkerLook look =
      MarkerLook::of(s, place.zoom * static_cast<float>(std::max(tex.scale_x, tex.scale_y)));
  const float z = look.z;
  if (tex.skeleton) draw_skeleton(dl, st, *fr, grid, place, look);
  const float reach = look.hole() * 1.41f + 6.0f * look.size;  // about a marker's outer radius
  auto consider = [&](int c, const char* what, ImVec2 q) {
    const float d = std::hypot(q.x - mouse.x, q.y - mouse.y);
    if (d <= reach && d < hit.dist) hit = {c, what, d};
  };
  const auto& kps = st.keypoints();
  for (int c = 0; c < static_cast<int>(kps.size()); ++c) {
    if (!st.channel_drawn(c)) continue;
    const TileOffset off = c < static_cast<int>(tex.tiles.size()) ? tex.tiles[c] : TileOffset{};
    // Map pixel centre x lands on image pixel (x + 0.5) * scale - 0.5 (+ the tile); on the
    // source image where the grid mapping puts it (UDP and the grid shift included).
    auto at = [&](double x, double y) {
      if (tex.on_image) {
        const io::Point2 p = grid.to_image(x, y);
        return place.to_screen(p.x, p.y);
      }
      return place.to_screen((x + 0.5) * tex.scale_x - 0.5 + off.x + tex.offset_x,
                             (y + 0.5) * tex.scale_y - 0.5 + off.y + tex.offset_y);
    };
    if (s.marker_visible(MarkerKind::kGroundTruth) && c < static_cast<int>(fr->ground_truth.size()))
      for (const io::Point2& g : fr->ground_truth[c]) {
        cross(dl, at(g.x, g.y), look, MarkerStyle::kGroundTruth);
        consider(c, "ground truth", at(g.x, g.y));
      }
    const Keypoint& kp = kps[c];
    if (!kp.valid) continue;
    // The argmax pixel at least kPeakDotZoom screen pixels wide (a lone peak survives any zoom).
    if (z < ViewTexture::kPeakDotZoom && c < static_cast<int>(tex.peak_colors.size())) {
      const ImVec2 q = at(kp.argmax_x, kp.argmax_y);
      const float r = ViewTexture::kPeakDotZoom * 0.5f;
      dl->AddRectFilled(ImVec2(q.x - r, q.y - r), ImVec2(q.x + r, q.y + r), tex.peak_colors[c]);
    }
    if (s.marker_visible(MarkerKind::kArgmax)) {
      ring(dl, at(kp.argmax_x, kp.argmax_y), look, MarkerStyle::kArgmax);
      consider(c, "argmax", at(kp.argmax_x, kp.argmax_y));
    }
    if (s.marker_visible(MarkerKind::kSoftArgmax)) {
      diamond(dl, at(kp.soft_x, kp.soft_y), look, MarkerStyle::kSoftArgmax);
      consider(c, "soft-argmax", at(kp.soft_x, kp.soft_y));
    }
    draw_decoder_markers(dl, st, c, at, z);
  }
  if (tex.skeleton && fr->pose) draw_regressed(dl, st, *fr, place, look);
  return hit;
}

// The tooltip of a marker under the pointer: the keypoint's channel and name, its argmax and
// soft-argmax (map pixels), peak p and error to ground truth. Returns its text.
std::string marker_tooltip(const ViewerState& st, const MarkerHit& hit) {
  const Keypoint& kp = st.keypoints()[hit.channel];
  const std::string name = keypoint_name(*st.frame(), hit.channel);
  char buf[320];
  const int n = std::snprintf(
      buf, sizeof buf,
      "ch %d%s%s (%s)\nargmax (%.0f, %.0f)  value %.4g\nsoft-argmax (%.3f, %.3f)\npeak p %.4g",
      hit.channel, name.empty() ? "" : " ", name.c_str(), hit.what, kp.argmax_x, kp.argmax_y,
      kp.argmax_value, kp.soft_x, kp.soft_y, kp.peak_probability);
  const double err = st.ground_truth_error(hit.channel);
  if (err >= 0 && n > 0 && n < static_cast<int>(sizeof buf))
    std::snprintf(buf + n, sizeof buf - n, "\nerror to GT %.3f px", err);
  ImGui::SetTooltip("%s", buf);
  return buf;
}

// One legend entry: its swatch and text.
struct LegendEntry {
  std::string text;
  std::function<void(ImDrawList*, ImVec2)> swatch;  // drawn centred at the point given
};

std::vector<LegendEntry> legend_entries(const ViewerState& st) {
  std::vector<LegendEntry> out;
  const Settings& s = st.settings();
  if (s.marker_visible(MarkerKind::kArgmax))
    out.push_back({"argmax", [](ImDrawList* d, ImVec2 p) {
                     d->AddCircle(p, 5, MarkerStyle::kArgmax, 16, 2);
                   }});
  if (s.marker_visible(MarkerKind::kSoftArgmax))
    out.push_back({"soft-argmax", [](ImDrawList* d, ImVec2 p) {
                     d->AddQuad(ImVec2(p.x, p.y - 6), ImVec2(p.x + 6, p.y), ImVec2(p.x, p.y + 6),
                                ImVec2(p.x - 6, p.y), MarkerStyle::kSoftArgmax, 2);
                   }});
  if (s.marker_visible(MarkerKind::kGroundTruth))
    out.push_back({"ground truth", [](ImDrawList* d, ImVec2 p) {
                     for (float k : {-1.0f, 1.0f}) {
                       d->AddLine(ImVec2(p.x + k * 2, p.y), ImVec2(p.x + k * 7, p.y),
                                  MarkerStyle::kGroundTruth, 2);
                       d->AddLine(ImVec2(p.x, p.y + k * 2), ImVec2(p.x, p.y + k * 7),
                                  MarkerStyle::kGroundTruth, 2);
                     }
                   }});
  for (DecoderKind k : legend_decoders(st))
    out.push_back(
        {decoder_name(k), [k](ImDrawList* d, ImVec2 p) { draw_decoder_shape(d, p, 5.5f, k); }});
  if (st.frame() && (st.frame()->pose || !st.frame()->skeleton.empty()) &&
      st.left_view_on_image()) {
    out.push_back({"skeleton", [](ImDrawList* d, ImVec2 p) {
                     d->AddLine(ImVec2(p.x - 6, p.y), ImVec2(p.x + 6, p.y), MarkerStyle::kSkeleton,
                                2);
                   }});
    if (st.frame()->pose)
      out.push_back({"model's landmarks", [](ImDrawList* d, ImVec2 p) {
                       d->AddCircleFilled(p, 3, MarkerStyle::kRegressed, 12);
                     }});
  }
  return out;
}

// Each entry's box: swatch, text, gap.
float entry_width(const LegendEntry& e) {
  return ui_px(20) + ImGui::CalcTextSize(e.text.c_str()).x + ui_px(14);
}

// The row of each entry when they flow left to right over `w` pixels (a new row where the next
// entry would not fit); returns the number of rows.
int flow_rows(const std::vector<LegendEntry>& entries, float w, std::vector<int>* row_of) {
  int row = entries.empty() ? 0 : 1;
  float x = 0;
  for (const LegendEntry& e : entries) {
    const float ew = entry_width(e);
    if (x > 0 && x + ew > w) {
      ++row;
      x = 0;
    }
    if (row_of) row_of->push_back(row - 1);
    x += ew;
  }
  return row;
}

// The channel shown at map cell (x, y): sc, or with all channels shown the one with the largest
// value there.
int channel_at(const HeatmapView& v, int sc, int x, int y) {
  if (sc >= 0) return sc;
  int best = 0;
  for (int k = 1; k < v.channels; ++k)
    if (v.at(k, y, x) > v.at(best, y, x)) best = k;
  return best;
}

// The hover readout on the source image (frame view, overlay): the image pixel, the heatmap
// cell the grid mapping puts under it, the value and p there.
void image_hover_readout(const ViewerState& st, const ViewPlacement& place, const ViewTexture& tex,
                         std::string* said) {
  const ImVec2 m = ImGui::GetIO().MousePos;
  // Screen -> image pixel-centre coordinates (ViewPlacement::to_screen inverted).
  const double ix = (m.x - place.origin.x) / place.zoom - 0.5,
               iy = (m.y - place.origin.y) / place.zoom - 0.5;
  const OverlayHover h = overlay_hover(st.grid_mapping(), ix, iy, tex.width, tex.height);
  const HeatmapView v = st.frame()->heatmap.view();
  char buf[200];
  if (!h.inside) {
    if (h.image_x < 0 || h.image_y < 0 || h.image_x >= tex.width || h.image_y >= tex.height) {
      ImGui::TextDisabled("outside the image");
      return;
    }
    std::snprintf(buf, sizeof buf, "image (%d, %d)  outside the heatmap", h.image_x, h.image_y);
  } else {
    const int c = channel_at(v, st.shown_channel(), h.cell_x, h.cell_y);
    if (c >= static_cast<int>(st.keypoints().size())) return;
    const double val = v.at(c, h.cell_y, h.cell_x);
    const double p = softmax_at(val, st.keypoints()[c], st.settings().decode_options());
    std::snprintf(buf, sizeof buf, "image (%d, %d)  cell (%d, %d)  ch %d  value %.4g  p %.3g",
                  h.image_x, h.image_y, h.cell_x, h.cell_y, c, val, p);
  }
  ImGui::TextUnformatted(buf);
  *said = buf;
}

// The hover readout: pixel, value and p of the channel under the cursor.
void hover_readout(const ViewerState& st, const ViewPlacement& place, const ViewTexture& tex,
                   std::string* said) {
  if (tex.on_image) return image_hover_readout(st, place, tex, said);
  const io::Frame* fr = st.frame();
  const ImVec2 m = ImGui::GetIO().MousePos;
  const double ix = (m.x - place.origin.x) / place.zoom, iy = (m.y - place.origin.y) / place.zoom;
  const HeatmapView v = fr->heatmap.view();
  const int sc = st.shown_channel();
  for (int c = 0; c < v.channels && c < static_cast<int>(st.keypoints().size()); ++c) {
    if (sc >= 0 && c != sc) continue;
    const TileOffset off = c < static_cast<int>(tex.tiles.size()) ? tex.tiles[c] : TileOffset{};
    const int x = static_cast<int>(std::floor((ix - off.x - tex.offset_x) / tex.scale_x));
    const int y = static_cast<int>(std::floor((iy - off.y - tex.offset_y) / tex.scale_y));
    if (x < 0 || y < 0 || x >= v.width || y >= v.height) continue;
    // In the max view every channel covers the pixel: report the one with the largest value.
    int best = c;
    if (sc < 0 && off.x == 0 && off.y == 0 && v.channels > 1 &&
        (tex.tiles.size() < 2 || (tex.tiles[1].x == 0 && tex.tiles[1].y == 0)))
      for (int k = 0; k < v.channels; ++k)
        if (v.at(k, y, x) > v.at(best, y, x)) best = k;
    const double val = v.at(best, y, x);
    const double p = softmax_at(val, st.keypoints()[best], st.settings().decode_options());
    char buf[160];
    if (v.channels > 1)
      std::snprintf(buf, sizeof buf, "ch %d (%d, %d)  value %.4g  p %.3g", best, x, y, val, p);
    else
      std::snprintf(buf, sizeof buf, "(%d, %d)  value %.4g  p %.3g", x, y, val, p);
    ImGui::TextUnformatted(buf);
    *said = buf;
    return;
  }
  ImGui::TextDisabled("outside the map");
}

// What a colour bar shows: the values at the bottom (lo) and top (hi) of the colour map, on a
// linear or log scale; `relative`: each tile of a grid is scaled to its own range.
struct ColorScale {
  double lo = 0, hi = 1;
  bool log = false, relative = false;
};

// The colour bar beside a view: the colour map from bottom (lo) to top (hi) with the real
// values at both ends and, on a log scale, at decades between. Writes its rectangle to *where.
void colorbar(ImDrawList* dl, ImVec2 p0, ImVec2 p1, io::Colormap cmap, const ColorScale& sc,
              ImVec2* where) {
  const std::string lut = io::colormap_lut_rgb(cmap);
  const float h = p1.y - p0.y;
  const int steps = 64;
  for (int i = 0; i < steps; ++i) {
    const int li = (steps - 1 - i) * 255 / (steps - 1);
    const ImU32 col = IM_COL32(static_cast<unsigned char>(lut[3 * li]),
                               static_cast<unsigned char>(lut[3 * li + 1]),
                               static_cast<unsigned char>(lut[3 * li + 2]), 255);
    dl->AddRectFilled(ImVec2(p0.x, p0.y + h * i / steps), ImVec2(p1.x, p0.y + h * (i + 1) / steps),
                      col);
  }
  dl->AddRect(p0, p1, IM_COL32(160, 160, 160, 255));
  if (where) {
    where[0] = p0;
    where[1] = p1;
  }
  const ImU32 text = IM_COL32(220, 220, 220, 255);
  char buf[48];
  auto label = [&](float y, const char* s) {
    dl->AddLine(ImVec2(p1.x, y), ImVec2(p1.x + 3, y), text);
    const float th = ImGui::GetTextLineHeight();
    dl->AddText(ImVec2(p1.x + 5, std::clamp(y - th * 0.5f, p0.y - th * 0.5f, p1.y - th * 0.5f)),
                text, s);
  };
  if (sc.relative) {
    label(p0.y, "peak");
    std::snprintf(buf, sizeof buf, "%.2g", sc.log ? sc.lo / std::max(sc.hi, 1e-300) : 0.0);
    label(p1.y, buf);
    return;
  }
  std::snprintf(buf, sizeof buf, "%.3g", sc.hi);
  label(p0.y, buf);
  std::snprintf(buf, sizeof buf, "%.3g", sc.lo);
  label(p1.y, buf);
  if (sc.log && sc.lo > 0 && sc.hi > sc.lo) {
    const double l0 = std::log10(sc.lo), l1 = std::log10(sc.hi);
    const int step = std::max(1, static_cast<int>(std::ceil((l1 - l0) / 4)));
    for (int d = static_cast<int>(std::ceil(l0)); d < l1; d += step) {
      const float y = p1.y - static_cast<float>((d - l0) / (l1 - l0)) * h;
      if (y - p0.y < 14 || p1.y - y < 14) continue;
      std::snprintf(buf, sizeof buf, "1e%d", d);
      label(y, buf);
    }
  } else if (!sc.log) {
    std::snprintf(buf, sizeof buf, "%.3g", 0.5 * (sc.lo + sc.hi));
    label(p0.y + h * 0.5f, buf);
  }
}

// One view: title, the texture with markers, a colour bar (when `scale` is given; its room is
// kept either way so both views share one zoom), and the hover readout below.
// The left view's buttons over a frame with an image: heatmap / source frame, the overlay
// (off / max / all) and its alpha.
void image_toggles(ViewerState& st) {
  // Each control on the title's line while it fits, else on the next.
  auto place_next = [](float need) {
    ImGui::SameLine();
    if (ImGui::GetContentRegionAvail().x < need) ImGui::NewLine();
  };
  const ImGuiStyle& style = ImGui::GetStyle();
  const bool overlay = st.settings().overlay_view() != OverlayView::kOff;
  if (!overlay) {
    const bool on = st.show_frame();
    const char* label = on ? "show the heatmap" : "show the source frame";
    place_next(ImGui::CalcTextSize(label).x + 2 * style.FramePadding.x);
    if (ImGui::SmallButton(label)) st.set_show_frame(!on);
  }
  static const char* kViews[] = {"no overlay", "overlay max", "overlay all"};
  int v = static_cast<int>(st.settings().overlay_view());
  place_next(110);
  ImGui::SetNextItemWidth(110);
  if (ImGui::Combo("##overlay", &v, kViews, 3)) st.set_overlay_view(static_cast<OverlayView>(v));
  if (!overlay) return;
  float a = static_cast<float>(st.settings().overlay_alpha());
  place_next(80 + style.ItemInnerSpacing.x + ImGui::CalcTextSize("alpha").x);
  ImGui::SetNextItemWidth(80);
  if (ImGui::SliderFloat("alpha", &a, 0.0f, 1.0f, "%.2f")) st.set_overlay_alpha(a);
}

// The overlay: the heatmap texture as one quad where the grid mapping puts the cells on the
// image, blended over it with the overlay's alpha. Returns the quad's screen rectangle.
void draw_overlay(ImDrawList* dl, const ViewerState& st, const ViewPlacement& place,
                  const ViewTexture& overlay, ImVec2* quad) {
  const GridMapping grid = st.grid_mapping();
  const io::Point2 a = grid.top_left(), b = grid.bottom_right();
  quad[0] = place.to_screen(a.x, a.y);
  quad[1] = place.to_screen(b.x, b.y);
  const int alpha = static_cast<int>(std::lround(255 * st.settings().overlay_alpha()));
  dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(overlay.id)), quad[0], quad[1],
               ImVec2(0, 0), ImVec2(1, 1), IM_COL32(255, 255, 255, alpha));
}

void draw_map(ViewerState& st, const char* id, const char* title, const ViewTexture& tex,
              ImVec2 size, ViewPlacement& place, io::Colormap cmap, const ColorScale* scale,
              bool frame_toggle, ImVec2* bar_rect, std::string* hover, std::string* marker_hover,
              const ViewTexture* overlay = nullptr, ImVec2* overlay_quad = nullptr) {
  ImGui::BeginChild(id, size, true,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  ImGui::TextUnformatted(title);
  const io::Frame* fr = st.frame();
  if (frame_toggle && fr && !fr->image.empty()) image_toggles(st);
  const float bar_w = ui_px(80);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const ImVec2 area(std::max(avail.x - bar_w, 16.0f), std::max(avail.y - line - 2, 16.0f));
  ImGui::InvisibleButton("canvas", area);
  const bool hovered = ImGui::IsItemHovered();
  ImGuiIO& io = ImGui::GetIO();
  const int w = std::max(1, tex.width), h = std::max(1, tex.height);
  const float fit = std::min(area.x / w, area.y / h);
  float zoom = st.zoom(), pan_x = st.pan_x(), pan_y = st.pan_y();
  if (hovered && io.MouseWheel != 0) {  // zoom about the cursor
    const float old_z = fit * zoom;
    const ImVec2 m((io.MousePos.x - place.origin.x) / old_z,
                   (io.MousePos.y - place.origin.y) / old_z);
    zoom = std::clamp(zoom * std::pow(1.2f, io.MouseWheel), 0.25f, 64.0f);
    const float z = fit * zoom;
    // Keep map point m under the cursor: origin' = mouse - m * z.
    const ImVec2 centred(p0.x + (area.x - w * z) * 0.5f, p0.y + (area.y - h * z) * 0.5f);
    pan_x = (io.MousePos.x - m.x * z - centred.x) / z;
    pan_y = (io.MousePos.y - m.y * z - centred.y) / z;
    st.set_view(zoom, pan_x, pan_y);
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 0)) {
    const float z = fit * zoom;
    st.set_view(zoom, pan_x + io.MouseDelta.x / z, pan_y + io.MouseDelta.y / z);
  }
  const float z = fit * st.zoom();
  place.zoom = z;
  place.origin = ImVec2(p0.x + (area.x - w * z) * 0.5f + st.pan_x() * z,
                        p0.y + (area.y - h * z) * 0.5f + st.pan_y() * z);
  place.rect_min = p0;
  place.rect_max = ImVec2(p0.x + area.x, p0.y + area.y);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(place.rect_min, place.rect_max, true);
  if (tex.id) {
    dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex.id)), place.origin,
                 ImVec2(place.origin.x + w * z, place.origin.y + h * z));
    // Grid tiles get a frame each and their channel number.
    if (tex.tiles.size() > 1 && (tex.tiles[1].x != 0 || tex.tiles[1].y != 0) && fr) {
      const int tw = fr->heatmap.width(), th = fr->heatmap.height();
      for (std::size_t c = 0; c < tex.tiles.size(); ++c) {
        const ImVec2 a(place.origin.x + tex.tiles[c].x * z, place.origin.y + tex.tiles[c].y * z);
        dl->AddRect(a, ImVec2(a.x + tw * z, a.y + th * z), IM_COL32(90, 90, 90, 255));
        dl->AddText(ImVec2(a.x + 3, a.y + 1), IM_COL32(255, 255, 255, 255),
                    std::to_string(c).c_str());
      }
    }
    if (overlay && overlay->id) draw_overlay(dl, st, place, *overlay, overlay_quad);
  }
  const MarkerHit hit = draw_markers(dl, st, place, tex, io.MousePos);
  dl->PopClipRect();
  if (hovered && hit.channel >= 0) *marker_hover = marker_tooltip(st, hit);
  if (scale && tex.id) {
    // Beside the fitted image (where it sits before zoom and pan), as tall as it.
    const float fw = w * fit, fh = h * fit;
    const float x0 = p0.x + (area.x + fw) * 0.5f + 8;
    const float top = std::max(p0.y + 8, p0.y + (area.y - fh) * 0.5f),
                bottom = std::min(p0.y + area.y - 8, p0.y + (area.y + fh) * 0.5f);
    colorbar(ImGui::GetWindowDrawList(), ImVec2(x0, top),
             ImVec2(x0 + 12, std::max(bottom, top + 60)), cmap, *scale, bar_rect);
  }
  // The hover readout under the map, on a line of its own (the legend is under both views).
  ImGui::SetCursorScreenPos(ImVec2(p0.x, p0.y + area.y + 2));
  if (hovered && fr && !st.keypoints().empty()) hover_readout(st, place, tex, hover);
  ImGui::EndChild();
}

}  // namespace

void panel_views(ViewerState& st, const ViewTextures& tex, float w, float h, ViewLayout& layout) {
  layout.hover.clear();
  layout.marker_hover.clear();
  layout.overlay_min = layout.overlay_max = ImVec2(0, 0);
  const float each = (w - 8) * 0.5f;
  const bool frame = st.left_view_on_image() && tex.frame.id;
  const bool overlay = frame && st.overlay_shown() && tex.overlay.id;
  layout.left_frame = frame;
  const std::string left_title = overlay ? tex.overlay_title
                                 : frame ? "source frame"
                                         : tex.heat_title;
  const ColorScale heat{tex.heat_lo, tex.heat_hi, false, tex.heat_relative};
  const ColorScale over{tex.overlay_lo, tex.overlay_hi, false, false};
  const ColorScale* left_scale = overlay ? (tex.overlay_colormap ? &over : nullptr)
                                 : frame ? nullptr
                                         : &heat;
  ImVec2 quad[2] = {ImVec2(0, 0), ImVec2(0, 0)};
  draw_map(st, "heatmap_view", left_title.c_str(), frame ? tex.frame : tex.heat, ImVec2(each, h),
           layout.heat, tex.colormap, left_scale, true, nullptr, &layout.hover,
           &layout.marker_hover, overlay ? &tex.overlay : nullptr, quad);
  layout.overlay_min = quad[0];
  layout.overlay_max = quad[1];
  ImGui::SameLine();
  const ColorScale soft{tex.p_lo, tex.p_hi, st.settings().softmax_scale() == SoftmaxScale::kLog,
                        tex.p_relative};
  ImVec2 bar[2];
  draw_map(st, "softmax_view", tex.soft_title.c_str(), tex.soft, ImVec2(each, h), layout.soft,
           tex.colormap, &soft, false, bar, &layout.hover, &layout.marker_hover);
  layout.colorbar_min = bar[0];
  layout.colorbar_max = bar[1];
}

float legend_height(const ViewerState& st, float w) {
  const int rows = flow_rows(legend_entries(st), w, nullptr);
  return rows * ImGui::GetTextLineHeightWithSpacing();
}

void panel_legend(const ViewerState& st, float w, ViewLayout& layout) {
  layout.legend.clear();
  const std::vector<LegendEntry> entries = legend_entries(st);
  std::vector<int> row_of;
  layout.legend_rows = flow_rows(entries, w, &row_of);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 c0 = ImGui::GetCursorScreenPos();
  const float lh = ImGui::GetTextLineHeight(), row_h = ImGui::GetTextLineHeightWithSpacing();
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  float x = c0.x;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0 && row_of[i] != row_of[i - 1]) x = c0.x;
    const float y = c0.y + row_of[i] * row_h;
    entries[i].swatch(dl, ImVec2(x + ui_px(8), y + lh * 0.5f));
    const ImVec2 t(x + ui_px(20), y);
    dl->AddText(t, text, entries[i].text.c_str());
    const float tw = ImGui::CalcTextSize(entries[i].text.c_str()).x;
    layout.legend.push_back({entries[i].text, ImVec2(x, y), ImVec2(t.x + tw, y + lh)});
    x += entry_width(entries[i]);
  }
  ImGui::Dummy(ImVec2(w, layout.legend_rows * row_h));
}

}  // namespace peakscope::viewer
