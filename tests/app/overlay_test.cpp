// The overlay view without a window: the grid mapping from heatmap cells to source-image pixels
// (the frame's scale and offset exactly as io::heatmap_to_image, UDP's, the grid shift), its
// inverse and the hover readout, the per-joint colours, the overlay's settings, key and flag
// spec, and the mapping ViewerState hands the panels.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "app/viewer/overlay.hpp"
#include "app/viewer/settings.hpp"
#include "app/viewer/viewer_state.hpp"
#include "core/lab/coords.hpp"

namespace peakscope::viewer {
namespace {

// A 3-channel 16 x 12 heatmap on a 128 x 96 image (cells of 8 x 8 pixels), grid from (5, -3).
io::Frame frame_on_image() {
  io::Frame f;
  f.heatmap = Heatmap(16, 12, 3, ElemType::kFloat32);
  for (int i = 0; i < 16 * 12 * 3; ++i) f.heatmap.f32()[i] = 0;
  f.heatmap.f32()[0 * 192 + 4 * 16 + 3] = 1;   // channel 0 peaks at (3, 4)
  f.heatmap.f32()[1 * 192 + 7 * 16 + 10] = 2;  // channel 1 at (10, 7)
  f.heatmap.f32()[2 * 192 + 1 * 16 + 14] = 3;  // channel 2 at (14, 1)
  f.image = cv::Mat(96, 128, CV_8UC3, cv::Scalar(0, 0, 0));
  f.image_scale_x = 128.0 / 16;
  f.image_scale_y = 96.0 / 12;
  f.image_offset_x = 5;
  f.image_offset_y = -3;
  return f;
}

TEST(OverlayTest, IndexMappingIsTheProjectsHeatmapToImage) {
  const io::Frame f = frame_on_image();
  const GridMapping m = GridMapping::of(f);
  for (double x : {0.0, 0.5, 3.25, 15.0})
    for (double y : {0.0, 4.0, 11.0}) {
      const io::Point2 want = io::heatmap_to_image(f, x, y), got = m.to_image(x, y);
      EXPECT_DOUBLE_EQ(got.x, want.x);
      EXPECT_DOUBLE_EQ(got.y, want.y);
      const io::Point2 back = m.to_cell(got.x, got.y);
      EXPECT_NEAR(back.x, x, 1e-12);
      EXPECT_NEAR(back.y, y, 1e-12);
    }
  // The texture covers the cells' outer edges: image edge 5 .. 5 + 128 (pixel-centre
  // coordinates are edges - 0.5).
  EXPECT_DOUBLE_EQ(m.top_left().x, 5 - 0.5);
  EXPECT_DOUBLE_EQ(m.top_left().y, -3 - 0.5);
  EXPECT_DOUBLE_EQ(m.bottom_right().x, 5 + 128 - 0.5);
  EXPECT_DOUBLE_EQ(m.bottom_right().y, -3 + 96 - 0.5);
}

TEST(OverlayTest, UdpPutsTheFirstAndLastCellsOnTheFirstAndLastPixels) {
  const io::Frame f = frame_on_image();
  const GridMapping m = GridMapping::of(f, /*udp=*/true);
  EXPECT_DOUBLE_EQ(m.to_image(0, 0).x, 5);
  EXPECT_DOUBLE_EQ(m.to_image(0, 0).y, -3);
  EXPECT_DOUBLE_EQ(m.to_image(15, 11).x, 5 + 127);
  EXPECT_DOUBLE_EQ(m.to_image(15, 11).y, -3 + 95);
  // The same as core/lab/coords' "image" convention with udp on the 128 x 96 input.
  CoordConvention conv;
  conv.system = CoordSystem::kImage;
  conv.input_width = 128;
  conv.input_height = 96;
  conv.udp = true;
  const CoordPoint c = to_convention({6.5, 2.25}, 16, 12, conv);
  EXPECT_NEAR(m.to_image(6.5, 2.25).x, c.x + 5, 1e-12);
  EXPECT_NEAR(m.to_image(6.5, 2.25).y, c.y - 3, 1e-12);
  // Index and UDP differ by a visible amount at the edges (half a cell less half a pixel).
  const GridMapping idx = GridMapping::of(f);
  EXPECT_NEAR(idx.to_image(0, 0).x - m.to_image(0, 0).x, 3.5, 1e-12);
  const io::Point2 back = m.to_cell(m.to_image(9.75, 3).x, m.to_image(9.75, 3).y);
  EXPECT_NEAR(back.x, 9.75, 1e-12);
  EXPECT_NEAR(back.y, 3, 1e-12);
}

TEST(OverlayTest, HalfACellShiftMovesTheCellsHalfACellOnTheImage) {
  const io::Frame f = frame_on_image();
  const GridMapping a = GridMapping::of(f), b = GridMapping::of(f, false, 0.5, -0.5);
  EXPECT_DOUBLE_EQ(b.to_image(3, 4).x - a.to_image(3, 4).x, 4);  // 0.5 x 8 px
  EXPECT_DOUBLE_EQ(b.to_image(3, 4).y - a.to_image(3, 4).y, -4);
  EXPECT_DOUBLE_EQ(b.top_left().x - a.top_left().x, 4);
  // The image pixel under cell (3, 4) of the shifted grid reads back as that cell.
  const io::Point2 p = b.to_image(3, 4);
  const OverlayHover h = overlay_hover(b, p.x, p.y, 128, 96);
  EXPECT_TRUE(h.inside);
  EXPECT_EQ(h.cell_x, 3);
  EXPECT_EQ(h.cell_y, 4);
}

TEST(OverlayTest, HoverGivesTheImagePixelAndTheCellUnderIt) {
  const GridMapping m = GridMapping::of(frame_on_image());
  // Image pixel (40, 30): cell x = (40 - 5 + 0.5) / 8 - 0.5 = 3.94 -> 4; y = (33.5) / 8 - 0.5
  // = 3.69 -> 4.
  OverlayHover h = overlay_hover(m, 40.2, 29.8, 128, 96);
  EXPECT_TRUE(h.inside);
  EXPECT_EQ(h.image_x, 40);
  EXPECT_EQ(h.image_y, 30);
  EXPECT_EQ(h.cell_x, 4);
  EXPECT_EQ(h.cell_y, 4);
  // Left of the grid (which starts at image x 5): in the image, not on the map.
  h = overlay_hover(m, 2, 30, 128, 96);
  EXPECT_FALSE(h.inside);
  EXPECT_EQ(h.image_x, 2);
  EXPECT_LT(h.cell_x, 0);
  // Outside the image.
  EXPECT_FALSE(overlay_hover(m, 130, 30, 128, 96).inside);
}

TEST(OverlayTest, EachJointInItsColourWithAlphaAboveItsBackground) {
  io::Frame f = frame_on_image();
  // Channel 2 as logits: background -4, a ramp to its peak 3 at (14, 1).
  float* c2 = f.heatmap.f32() + 2 * 192;
  for (int i = 0; i < 192; ++i) c2[i] = -4;
  c2[1 * 16 + 14] = 3;
  c2[1 * 16 + 13] = -0.5f;  // half way from the background to the peak
  const std::vector<std::uint8_t> rgba = joint_overlay_rgba(f.heatmap.view(), -1);
  ASSERT_EQ(rgba.size(), 16u * 12 * 4);
  auto at = [&](int x, int y, int i) {
    return rgba[(static_cast<std::size_t>(y) * 16 + x) * 4 + i];
  };
  for (int c = 0; c < 3; ++c) {
    const int x = c == 0 ? 3 : c == 1 ? 10 : 14, y = c == 0 ? 4 : c == 1 ? 7 : 1;
    const auto col = joint_colour(c, 3);
    EXPECT_EQ(at(x, y, 0), col[0]) << c;
    EXPECT_EQ(at(x, y, 1), col[1]) << c;
    EXPECT_EQ(at(x, y, 2), col[2]) << c;
    EXPECT_EQ(at(x, y, 3), 255) << c;  // each channel's own peak is opaque
  }
  EXPECT_EQ(at(0, 11, 3), 0);    // every channel at its background: transparent
  EXPECT_EQ(at(13, 1, 3), 128);  // channel 2 half way up
  EXPECT_EQ(at(13, 1, 2), joint_colour(2, 3)[2]);
  // Distinct joints, distinct colours.
  EXPECT_NE(joint_colour(0, 3), joint_colour(1, 3));
  EXPECT_NE(joint_colour(1, 3), joint_colour(2, 3));
  // One chosen channel: only its peak shows.
  const std::vector<std::uint8_t> one = joint_overlay_rgba(f.heatmap.view(), 1);
  EXPECT_EQ(one[(7 * 16 + 10) * 4 + 3], 255);
  EXPECT_EQ(one[(4 * 16 + 3) * 4 + 3], 0);
  EXPECT_EQ(one[(1 * 16 + 14) * 4 + 3], 0);
}

TEST(OverlayTest, SettingsValidateAndRoundTrip) {
  Settings s;
  EXPECT_EQ(s.overlay_view(), OverlayView::kOff);
  EXPECT_EQ(s.overlay_alpha(), 0.5);
  EXPECT_THROW(s.set_overlay_alpha(1.5), std::invalid_argument);
  EXPECT_THROW(s.set_overlay_alpha(std::nan("")), std::invalid_argument);
  EXPECT_EQ(s.overlay_alpha(), 0.5);
  EXPECT_THROW(parse_overlay_view("maximum"), std::invalid_argument);
  s.set_overlay_view(OverlayView::kAll);
  s.set_overlay_alpha(0.8);
  namespace fs = std::filesystem;
  const fs::path path = fs::temp_directory_path() /
                        ("peakscope_overlay_settings_" + std::to_string(::getpid())) /
                        "viewer.json";
  save_settings(path.string(), s);
  std::string warn;
  const Settings t = load_settings(path.string(), &warn);
  EXPECT_EQ(warn, "");
  EXPECT_EQ(t.overlay_view(), OverlayView::kAll);
  EXPECT_EQ(t.overlay_alpha(), 0.8);
  fs::remove_all(path.parent_path());
}

TEST(OverlayTest, FlagSpecIsMaxAllOrAChannel) {
  EXPECT_EQ(parse_overlay_spec("").view, OverlayView::kMax);
  EXPECT_EQ(parse_overlay_spec("max").channel, -2);
  EXPECT_EQ(parse_overlay_spec("all").view, OverlayView::kAll);
  const OverlaySpec c = parse_overlay_spec("2");
  EXPECT_EQ(c.view, OverlayView::kMax);
  EXPECT_EQ(c.channel, 2);
  try {
    parse_overlay_spec("img.png");
    ADD_FAILURE() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'img.png'"), std::string::npos) << e.what();
  }
}

TEST(OverlayTest, StateCyclesTheOverlayAndHandsThePanelsTheMapping) {
  ViewerState st;
  EXPECT_FALSE(st.overlay_shown());
  st.press(Key::kO);
  EXPECT_EQ(st.settings().overlay_view(), OverlayView::kMax);
  st.press(Key::kO);
  EXPECT_EQ(st.settings().overlay_view(), OverlayView::kAll);
  st.press(Key::kO);
  EXPECT_EQ(st.settings().overlay_view(), OverlayView::kOff);
  EXPECT_FALSE(st.set_overlay_alpha(-0.1));
  EXPECT_NE(st.error().find("overlay alpha"), std::string::npos);
  EXPECT_TRUE(st.set_overlay_alpha(0.25));
  EXPECT_EQ(st.settings().overlay_alpha(), 0.25);

  st.begin_source(1, "test", 1);
  st.set_frame(frame_on_image());
  st.set_overlay_view(OverlayView::kMax);
  EXPECT_TRUE(st.overlay_shown());
  EXPECT_TRUE(st.left_view_on_image());
  EXPECT_DOUBLE_EQ(st.grid_mapping().to_image(3, 4).x, io::heatmap_to_image(*st.frame(), 3, 4).x);
  // The grid shift: validated, applied to the mapping.
  EXPECT_FALSE(st.set_grid_shift(9, 0));
  EXPECT_NE(st.error().find("grid shift"), std::string::npos);
  EXPECT_TRUE(st.set_grid_shift(0.5, 0));
  EXPECT_DOUBLE_EQ(st.grid_mapping().to_image(3, 4).x - io::heatmap_to_image(*st.frame(), 3, 4).x,
                   4);
  // The lab's "image (UDP)" coordinates switch the mapping to UDP's.
  CoordConvention conv;
  conv.system = CoordSystem::kImage;
  conv.input_width = 128;
  conv.input_height = 96;
  conv.udp = true;
  ASSERT_TRUE(st.lab().set_coords(conv));
  st.set_grid_shift(0, 0);
  EXPECT_TRUE(st.grid_mapping().udp);
  EXPECT_DOUBLE_EQ(st.grid_mapping().to_image(0, 0).x, 5);

  // No image: no overlay, the left view shows the heatmap.
  io::Frame bare = frame_on_image();
  bare.image = cv::Mat();
  st.set_frame(std::move(bare));
  EXPECT_FALSE(st.overlay_shown());
  EXPECT_FALSE(st.left_view_on_image());
}

}  // namespace
}  // namespace peakscope::viewer
