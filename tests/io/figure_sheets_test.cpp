// Publication sheets (core/io/sheets.hpp on core/io/figure.hpp): the softmax as the view shows
// it, distinct markers at the decoded points, every channel of a grid, a compact beta grid,
// text inside the sheet at any map size, SVG that parses, the size factor, effective beta.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "core/colour_scale.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/io/sheets.hpp"
#include "tests/support/maps.hpp"
#include "tests/support/run.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;

// A pixel within `reach` of (x, y) (figure units) whose colour is within `tol` of `bgr`.
bool colour_near(const cv::Mat& img, double x, double y, const cv::Scalar& bgr, int reach = 1,
                 int tol = 40) {
  const int cx = static_cast<int>(std::floor(x)), cy = static_cast<int>(std::floor(y));
  for (int dy = -reach; dy <= reach; ++dy)
    for (int dx = -reach; dx <= reach; ++dx) {
      const int px = cx + dx, py = cy + dy;
      if (px < 0 || py < 0 || px >= img.cols || py >= img.rows) continue;
      const cv::Vec3b p = img.at<cv::Vec3b>(py, px);
      if (std::abs(p[0] - bgr[0]) <= tol && std::abs(p[1] - bgr[1]) <= tol &&
          std::abs(p[2] - bgr[2]) <= tol)
        return true;
    }
  return false;
}

std::string all_text(const Figure& fig) {
  std::string s;
  for (const FigItem& it : fig.items)
    if (const auto* t = std::get_if<FigText>(&it)) s += t->text + "\n";
  return s;
}

const FigRegion& region(const Figure& fig, const std::string& what) {
  const FigRegion* r = find_region(fig, what);
  if (!r) throw std::runtime_error("no region " + what);
  return *r;
}

// The figure position of map point (x, y) on a panel.
cv::Point2d on(const FigRegion& r, double x, double y) {
  return {r.x + (x + 0.5) * r.sx, r.y + (y + 0.5) * r.sy};
}

double radius_of(const Figure& fig, const std::string& what) {
  for (const FigItem& it : fig.items)
    if (const auto* m = std::get_if<FigMarker>(&it))
      if (m->what == what) return m->radius;
  return -1;
}

SheetInput one_channel(const Heatmap& m, double beta, bool normalize = true) {
  CpuEngine cpu(1);
  SheetInput in;
  in.map = m.view();
  in.opt = {beta, normalize};
  in.channels.push_back(sheet_channel(cpu, in.map, 0, in.opt, nullptr));
  in.title = "test";
  return in;
}

// The log view shows the background the linear view paints in the lowest colour; the heatmap
// panel does not depend on the scale.
TEST(FigureSheetsTest, LogAndLinearSoftmaxDiffer) {
  const Heatmap m = testing::gaussian_map(64, 64, 20, 30, 20, ElemType::kFloat32);
  const SheetInput in = one_channel(m, 100);
  SheetStyle lin, lg;
  lg.log_softmax = true;
  const Figure fl = sheet_figure(in, lin), fg = sheet_figure(in, lg);
  const cv::Mat a = render_raster(fl), b = render_raster(fg);
  const FigRegion &sa = region(fl, "panel softmax"), &sb = region(fg, "panel softmax");
  const FigRegion &ha = region(fl, "panel heatmap"), &hb = region(fg, "panel heatmap");
  cv::Mat lo_entry(1, 1, CV_8U, cv::Scalar(0)), hi_entry(1, 1, CV_8U, cv::Scalar(255));
  const cv::Vec3b lowest = apply_colormap(lo_entry, Colormap::kJet).at<cv::Vec3b>(0, 0);
  const cv::Vec3b highest = apply_colormap(hi_entry, Colormap::kJet).at<cv::Vec3b>(0, 0);
  auto at = [](const cv::Mat& img, const cv::Point2d& p) {
    return img.at<cv::Vec3b>(static_cast<int>(p.y), static_cast<int>(p.x));
  };
  // 5 map pixels from the peak p is 1.2e-7 of the peak: the lowest colour on a linear scale,
  // within the log scale's 12 decades; 8 pixels away (2.8e-16) below both.
  EXPECT_EQ(at(a, on(sa, 25, 30)), lowest);
  EXPECT_NE(at(b, on(sb, 25, 30)), lowest);
  EXPECT_EQ(at(b, on(sb, 28, 30)), lowest);
  // The peak's pixel (away from the markers' strokes: its corner) is the top colour on both.
  EXPECT_EQ(at(a, {sa.x + 20 * sa.sx + 1, sa.y + 30 * sa.sy + 1}), highest);
  EXPECT_EQ(at(b, {sb.x + 20 * sb.sx + 1, sb.y + 30 * sb.sy + 1}), highest);
  cv::Mat d;
  cv::absdiff(a(cv::Rect(ha.x, ha.y, ha.w, ha.h)), b(cv::Rect(hb.x, hb.y, hb.w, hb.h)), d);
  EXPECT_EQ(cv::countNonZero(d.reshape(1)), 0);
  // The bars say which scale and where it is clipped.
  EXPECT_NE(all_text(fl).find("softmax p (linear)"), std::string::npos);
  EXPECT_NE(all_text(fl).find("p 0 (min "), std::string::npos) << all_text(fl);
  EXPECT_NE(all_text(fg).find("softmax p (log)"), std::string::npos);
  EXPECT_NE(all_text(fg).find("clipped at"), std::string::npos) << all_text(fg);
}

// Argmax a white cross, soft-argmax a magenta ring, ground truth a green diamond, a decoder its
// own glyph, each at its point; the legend lists them; the marked pixel stays visible.
TEST(FigureSheetsTest, DistinctMarkersAtTheirPoints) {
  const Heatmap m = testing::gaussian_map(64, 48, 20, 30, 8, ElemType::kFloat32);
  SheetInput in = one_channel(m, 1000);
  SheetChannel& ch = in.channels.front();
  ch.truth = {{40, 12}};
  ch.decoders.push_back({"dark", 10, 40, true});
  ch.name = "left_wrist";
  const Figure fig = sheet_figure(in);
  const cv::Mat img = render_raster(fig);
  const FigRegion& sp = region(fig, "panel softmax");
  const double r = radius_of(fig, "argmax");
  ASSERT_GT(r, 6);
  const cv::Point2d am = on(sp, ch.k.argmax_x, ch.k.argmax_y),
                    sa = on(sp, ch.k.soft_x, ch.k.soft_y);
  const cv::Scalar white(255, 255, 255), magenta(255, 0, 255), green(0, 230, 0),
      yellow(0, 255, 255);
  // The cross's arms on the diagonals, its centre open.
  const double d = 0.55 * r / std::sqrt(2.0);  // inside a ring at the same point
  for (auto [sx, sy] : {std::pair{1, 1}, std::pair{-1, 1}, std::pair{1, -1}, std::pair{-1, -1}})
    EXPECT_TRUE(colour_near(img, am.x + sx * d, am.y + sy * d, white)) << sx << sy;
  EXPECT_FALSE(colour_near(img, am.x, am.y, white, 0)) << "the argmax pixel must stay visible";
  EXPECT_TRUE(colour_near(img, sa.x + r, sa.y, magenta));
  EXPECT_TRUE(colour_near(img, sa.x, sa.y - r, magenta));
  const double gr = radius_of(fig, "ground truth");
  const cv::Point2d gt = on(sp, 40, 12);
  EXPECT_TRUE(colour_near(img, gt.x + gr / 2, gt.y - gr / 2, green));
  EXPECT_TRUE(colour_near(img, gt.x - gr / 2, gt.y + gr / 2, green));
  EXPECT_FALSE(colour_near(img, gt.x + gr / 2, gt.y - gr / 2, magenta, 2));
  const double dr = radius_of(fig, "dark");
  const cv::Point2d dk = on(sp, 10, 40);
  EXPECT_TRUE(colour_near(img, dk.x + 0.75 * dr, dk.y, yellow));
  // The heatmap panel is plain; the argmax panel has the cross and the diamond, not the ring.
  const FigRegion& hp = region(fig, "panel heatmap");
  EXPECT_FALSE(
      colour_near(img, on(hp, 40, 12).x + gr / 2, on(hp, 40, 12).y - gr / 2, green, 0, 20));
  const FigRegion& ap = region(fig, "panel argmax");
  EXPECT_TRUE(colour_near(img, on(ap, ch.k.argmax_x, ch.k.argmax_y).x + d,
                          on(ap, ch.k.argmax_x, ch.k.argmax_y).y + d, white));
  // The legend: every kind, each drawn with its glyph inside the legend's rows.
  const FigRegion& lg = region(fig, "legend");
  for (const char* k : {"argmax", "soft-argmax", "ground truth", "dark"}) {
    bool found = false;
    for (const FigItem& it : fig.items)
      if (const auto* mk = std::get_if<FigMarker>(&it))
        found = found || (mk->what == k && mk->y >= lg.y && mk->y <= lg.y + lg.h);
    EXPECT_TRUE(found) << k;
    EXPECT_NE(all_text(fig).find(k), std::string::npos) << k;
  }
  EXPECT_NE(sheet_marker_style("dark").glyph, sheet_marker_style("quarter").glyph);
  // Ground truth and the error, the keypoint's name.
  const std::string text = all_text(fig);
  EXPECT_NE(text.find("left_wrist"), std::string::npos) << text;
  EXPECT_NE(text.find("error "), std::string::npos) << text;
  // Kinds the view hides are not drawn, nor in the legend.
  SheetStyle hidden;
  hidden.show_truth = false;
  hidden.show_argmax = false;
  const Figure h = sheet_figure(in, hidden);
  EXPECT_LT(radius_of(h, "ground truth"), 0);
  EXPECT_LT(radius_of(h, "argmax"), 0);
  EXPECT_GT(radius_of(h, "soft-argmax"), 0);
  EXPECT_EQ(all_text(h).find("ground truth"), std::string::npos);
}

// A frame's names and ground truth reach the channel; the error is the one the CLI reports.
TEST(FigureSheetsTest, ChannelTakesNamesAndGroundTruthFromTheFrame) {
  Frame f;
  f.heatmap = testing::gaussian_map(32, 32, 10, 12, 6, ElemType::kFloat32);
  f.names = {"nose"};
  f.ground_truth = {{{11, 12}}};
  CpuEngine cpu(1);
  const SheetChannel ch = sheet_channel(cpu, f.heatmap.view(), 0, {100, true}, &f);
  EXPECT_EQ(ch.name, "nose");
  ASSERT_EQ(ch.truth.size(), 1u);
  EXPECT_NEAR(ch.error, ground_truth_error(f, 0, ch.k), 1e-12);
  EXPECT_NEAR(ch.error, 1.0, 0.05);
}

// Grid: every channel in its own tile with its markers; max: every channel's markers on one
// panel.
TEST(FigureSheetsTest, EveryChannelInGridAndMax) {
  const int k = 5;
  std::vector<Heatmap> planes;
  for (int c = 0; c < k; ++c)
    planes.push_back(testing::gaussian_map(40, 30, 5 + 7 * c, 4 + 5 * c, 5, ElemType::kFloat32));
  const Heatmap m = testing::with_channels(planes);
  CpuEngine cpu(1);
  SheetInput in;
  in.map = m.view();
  in.opt = {1000, true};
  for (int c = 0; c < k; ++c) in.channels.push_back(sheet_channel(cpu, in.map, c, in.opt, nullptr));
  for (SheetLayout layout : {SheetLayout::kGrid, SheetLayout::kMax}) {
    in.layout = layout;
    const Figure fig = sheet_figure(in);
    const cv::Mat img = render_raster(fig);
    for (int c = 0; c < k; ++c) {
      const SheetChannel& ch = in.channels[c];
      const FigRegion& panel = layout == SheetLayout::kGrid
                                   ? region(fig, "tile softmax " + std::to_string(c))
                                   : region(fig, "panel softmax");
      const double r = radius_of(fig, "argmax");
      const cv::Point2d am = on(panel, ch.k.argmax_x, ch.k.argmax_y);
      const double d = 0.55 * r / std::sqrt(2.0);  // inside a ring at the same point
      EXPECT_TRUE(colour_near(img, am.x + d, am.y + d, cv::Scalar(255, 255, 255)))
          << "channel " << c << (layout == SheetLayout::kGrid ? " grid" : " max");
      EXPECT_NE(all_text(fig).find("ch " + std::to_string(c) + "\n"), std::string::npos) << c;
    }
  }
}

// The beta grid: the heatmap once, then one softmax panel per beta, in one row of panels.
TEST(FigureSheetsTest, CompactBetaGrid) {
  const Heatmap m = testing::gaussian_map(64, 64, 20, 30, 10, ElemType::kFloat32);
  const std::vector<double> betas = {0.1, 1, 10, 100, 1000};
  CpuEngine cpu(1);
  std::vector<SheetChannel> rows;
  for (double b : betas) rows.push_back(sheet_channel(cpu, m.view(), 0, {b, true}, nullptr));
  const Figure fig = beta_grid_figure(m.view(), rows, betas, true, "grid");
  const FigRegion& hp = region(fig, "panel heatmap");
  int softmax_panels = 0, heat_panels = 0;
  for (const FigRegion& r : fig.regions) {
    softmax_panels += r.what.rfind("panel softmax beta ", 0) == 0;
    heat_panels += r.what == "panel heatmap";
  }
  EXPECT_EQ(heat_panels, 1);
  EXPECT_EQ(softmax_panels, 5);
  EXPECT_TRUE(find_region(fig, "panel softmax beta 0.1") &&
              find_region(fig, "panel softmax beta 1000"));
  // About (1 + N) panels wide and one panel (plus titles, bars, captions, legend) high.
  EXPECT_NEAR(fig.width, 6 * hp.w, 6 * hp.w * 0.1);
  EXPECT_LT(fig.height, 2 * hp.h);
  const cv::Mat old = compose_beta_grid(m.view(), 0, betas, true, "grid", cpu);
  EXPECT_LT(static_cast<double>(fig.width) * fig.height, 0.5 * old.cols * old.rows);
}

// Every text is inside the sheet, on a map narrow or wide, at scale 1 and 2, with a long title.
TEST(FigureSheetsTest, TextStaysInsideTheSheet) {
  const std::string title(300, 'x');
  for (auto [w, h] : {std::pair{6, 64}, std::pair{17, 64}, std::pair{640, 24}, std::pair{48, 64}}) {
    for (double scale : {1.0, 2.0}) {
      const Heatmap m = testing::gaussian_map(w, h, w / 2.0, h / 2.0, 4, ElemType::kFloat32);
      SheetInput in = one_channel(m, 100);
      in.title = "a long title " + title;
      in.channels.front().name = "a_rather_long_keypoint_name";
      in.channels.front().decoders = {{"dark", 1, 1, true},
                                      {"quarter", 1, 1, true},
                                      {"mediapipe", 1, 1, true},
                                      {"debiased", 1, 1, true}};
      SheetStyle st;
      st.scale = scale;
      st.log_softmax = true;
      const Figure fig = sheet_figure(in, st);
      const std::string where =
          std::to_string(w) + "x" + std::to_string(h) + " scale " + std::to_string(scale);
      for (const FigItem& it : fig.items)
        if (const auto* t = std::get_if<FigText>(&it)) {
          const double tw = text_width(t->text, t->size);
          const double x0 = t->anchor == FigText::kStart ? t->x
                            : t->anchor == FigText::kEnd ? t->x - tw
                                                         : t->x - tw / 2;
          EXPECT_GE(x0, 0) << where << ": " << t->text;
          EXPECT_LE(x0 + tw, fig.width) << where << ": " << t->text;
          EXPECT_GE(t->y - t->size, 0) << where << ": " << t->text;
          EXPECT_LE(t->y + 0.4 * t->size, fig.height) << where << ": " << t->text;
        }
      // The footer's rows hold text pixels, inside the image.
      const FigRegion& foot = region(fig, "footer");
      ASSERT_LE(foot.y + foot.h, fig.height) << where;
      const cv::Mat img = render_raster(fig);
      const cv::Mat rows =
          img(cv::Rect(0, static_cast<int>(foot.y), img.cols, static_cast<int>(foot.h)));
      cv::Mat grey;
      cv::cvtColor(rows, grey, cv::COLOR_BGR2GRAY);
      EXPECT_GT(cv::countNonZero(grey > 150), 50) << where;
      // The panel is at least as wide as its title needs.
      EXPECT_GE(region(fig, "panel heatmap").w, text_width("soft-argmax", 13 * scale)) << where;
    }
  }
}

// A channel with no finite value: a sheet that says so, no markers, in every layout.
TEST(FigureSheetsTest, InvalidChannelIsSaidSo) {
  Heatmap m = testing::gaussian_map(16, 12, 5, 5, 4, ElemType::kFloat32);
  for (std::size_t i = 0; i < m.view().pixels(); ++i) m.f32()[i] = std::nanf("");
  SheetInput in = one_channel(m, 100);
  ASSERT_FALSE(in.channels.front().k.valid);
  for (SheetLayout layout : {SheetLayout::kChannel, SheetLayout::kGrid, SheetLayout::kMax}) {
    in.layout = layout;
    const Figure fig = sheet_figure(in);
    EXPECT_NE(all_text(fig).find("invalid (no finite value)"), std::string::npos);
    const FigRegion& legend = region(fig, "legend");
    for (const FigItem& it : fig.items) {
      if (const auto* mk = std::get_if<FigMarker>(&it)) {
        EXPECT_GE(mk->y, legend.y) << "only the legend has markers: " << mk->what;
      }
    }
    EXPECT_FALSE(render_raster(fig).empty());
  }
}

// --sheet-scale: panels, markers and text scale together.
TEST(FigureSheetsTest, ScaleGrowsEverything) {
  const Heatmap m = testing::gaussian_map(64, 64, 20, 30, 10, ElemType::kFloat32);
  const SheetInput in = one_channel(m, 100);
  SheetStyle two;
  two.scale = 2;
  const Figure a = sheet_figure(in), b = sheet_figure(in, two);
  EXPECT_NEAR(b.width, 2.0 * a.width, 0.03 * a.width);
  EXPECT_NEAR(b.height, 2.0 * a.height, 0.1 * a.height);
  EXPECT_NEAR(radius_of(b, "argmax"), 2 * radius_of(a, "argmax"), 1e-9);
  EXPECT_NEAR(region(b, "panel softmax").w, 2 * region(a, "panel softmax").w, 1e-9);
}

// Normalise on a map whose max is 0.25: beta 10 acts as 40, and the footer says so.
TEST(FigureSheetsTest, EffectiveBetaWhereNormaliseChangesIt) {
  Heatmap m = testing::gaussian_map(32, 32, 10, 12, 6, ElemType::kFloat32);
  for (std::size_t i = 0; i < m.view().pixels(); ++i) m.f32()[i] *= 0.25f;
  const SheetInput in = one_channel(m, 10);
  EXPECT_NEAR(in.channels.front().effective_beta, 40, 1e-4);
  EXPECT_NE(all_text(sheet_figure(in)).find("effective beta 40"), std::string::npos)
      << all_text(sheet_figure(in));
  const SheetInput off = one_channel(m, 10, false);
  EXPECT_EQ(all_text(sheet_figure(off)).find("effective beta 40"), std::string::npos);
  // The beta grid's panel titles carry it too.
  CpuEngine cpu(1);
  const std::vector<SheetChannel> rows = {sheet_channel(cpu, m.view(), 0, {10, true}, nullptr)};
  EXPECT_NE(all_text(beta_grid_figure(m.view(), rows, {10}, true, "t")).find("beta 10 (eff 40)"),
            std::string::npos);
}

// A channel whose maximum is +Inf: only the +Inf pixels get weight whatever beta, so the engine
// applies beta itself (core/decode.hpp channel_effective_beta) and the sheet says no other.
TEST(FigureSheetsTest, InfiniteMaxKeepsBeta) {
  Heatmap m = testing::gaussian_map(32, 32, 10, 12, 6, ElemType::kFloat32);
  for (std::size_t i = 0; i < m.view().pixels(); ++i) m.f32()[i] *= 0.25f;
  m.f32()[3] = std::numeric_limits<float>::infinity();
  const SheetInput in = one_channel(m, 10);
  EXPECT_EQ(in.channels.front().effective_beta, 10);
  const std::string text = all_text(sheet_figure(in));
  EXPECT_EQ(text.find("effective beta 40"), std::string::npos) << text;
  EXPECT_EQ(text.find("(beta/max)"), std::string::npos) << text;
}

// NaN pixels are drawn in kNanColour (as in the viewer), apart from every colour of the map;
// a map without NaN has none of it.
TEST(FigureSheetsTest, NanPixelsHaveTheirOwnColour) {
  const Heatmap plain = testing::gaussian_map(32, 32, 20, 20, 5, ElemType::kFloat32);
  Heatmap m = testing::gaussian_map(32, 32, 20, 20, 5, ElemType::kFloat32);
  const SheetInput clean = one_channel(plain, 10);
  for (int y = 2; y < 8; ++y)
    for (int x = 2; x < 8; ++x) m.f32()[static_cast<std::size_t>(y) * 32 + x] = std::nanf("");
  const SheetInput in = one_channel(m, 10);
  const cv::Scalar nan_bgr(kNanColour[2], kNanColour[1], kNanColour[0]);
  for (const SheetInput* s : {&in, &clean}) {
    const Figure fig = sheet_figure(*s);
    const cv::Mat img = render_raster(fig);
    const FigRegion& heat = region(fig, "panel heatmap");
    const cv::Point2d p = on(heat, 5, 5), q = on(heat, 20, 28);
    EXPECT_EQ(colour_near(img, p.x, p.y, nan_bgr, 0, 0), s == &in);
    EXPECT_FALSE(colour_near(img, q.x, q.y, nan_bgr, 0, 0));
  }
}

// SVG: an XML document (Python's parser) with the maps embedded as PNG and vector markers;
// .pdf is refused with a way to get one.
TEST(FigureSheetsTest, SvgParsesWithImagesAndMarkers) {
  const Heatmap m = testing::gaussian_map(48, 32, 20, 10, 8, ElemType::kFloat32);
  SheetInput in = one_channel(m, 100);
  in.title = "a <title> & \"quotes\"";
  in.channels.front().truth = {{30, 20}};
  const Figure fig = sheet_figure(in);
  const fs::path dir = fs::temp_directory_path() / ("peakscope_svg_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path svg = dir / "sheet.svg", png = dir / "sheet.png", pdf = dir / "sheet.pdf";
  write_figure(svg.string(), fig);
  write_figure(png.string(), fig);
  const cv::Mat back = cv::imread(png.string());
  ASSERT_FALSE(back.empty());
  EXPECT_EQ(back.cols, fig.width);
  EXPECT_EQ(back.rows, fig.height);
  const fs::path py = dir / "check.py";
  std::ofstream(py)
      << "import sys, base64, xml.etree.ElementTree as ET\n"
         "ns = {'s': 'http://www.w3.org/2000/svg'}\n"
         "root = ET.parse(sys.argv[1]).getroot()\n"
         "assert root.tag == '{http://www.w3.org/2000/svg}svg', root.tag\n"
         "imgs = root.findall('s:image', ns)\n"
         "assert len(imgs) >= 4, len(imgs)\n"
         "for i in imgs:\n"
         "    href = i.get('href')\n"
         "    assert href.startswith('data:image/png;base64,'), href[:40]\n"
         "    assert base64.b64decode(href.split(',', 1)[1])[:8] == b'\\x89PNG\\r\\n\\x1a\\n'\n"
         "kinds = [g.get('data-marks') for g in root.findall('s:g', ns)]\n"
         "for k in ('argmax', 'soft-argmax', 'ground truth'):\n"
         "    assert k in kinds, (k, kinds)\n"
         "texts = ''.join(t.text or '' for t in root.findall('s:text', ns))\n"
         "assert 'a <title> & \"quotes\"' in texts, texts[:200]\n"
         "print('ok')\n";
  EXPECT_EQ(testing::run_exit_code(std::string(PEAKSCOPE_NUMPY_PYTHON) + " " + py.string() + " " +
                                   svg.string()),
            0);
  try {
    write_figure(pdf.string(), fig);
    ADD_FAILURE() << "a .pdf was written";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("sheet.pdf"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(".svg"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(pdf));
  fs::remove_all(dir);
}

// The CLI's sweep: --sheet-format svg, --softmax-scale, --decoders, --all-channels grid.
TEST(FigureSheetsTest, SweepWritesSvgSheets) {
  const fs::path dir =
      fs::temp_directory_path() / ("peakscope_sweep_svg_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string cli =
      std::string(PEAKSCOPE_CLI) + " sweep synthetic --backend cpu --betas 10,100 ";
  ASSERT_EQ(testing::run_exit_code(cli +
                                   "--sheet-format svg --softmax-scale linear --decoders dark "
                                   "--sheet-scale 1.5 --out " +
                                   (dir / "a").string() + " 2>/dev/null"),
            0);
  for (const char* f : {"frame00000_beta10.svg", "frame00000_beta100.svg", "frame00000_grid.svg"}) {
    std::ifstream in(dir / "a" / f);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str().rfind("<?xml", 0), 0u) << f;
    EXPECT_NE(ss.str().find("data-marks=\"dark\""), std::string::npos) << f;
  }
  EXPECT_FALSE(fs::exists(dir / "a" / "frame00000_beta10.png"));
  ASSERT_EQ(testing::run_exit_code(cli + "--all-channels grid --out " + (dir / "b").string() +
                                   " 2>/dev/null"),
            0);
  EXPECT_FALSE(cv::imread((dir / "b" / "frame00000_beta10.png").string()).empty());
  EXPECT_NE(testing::run_exit_code(cli + "--softmax-scale cubic --out " + (dir / "c").string() +
                                   " 2>/dev/null"),
            0);
  EXPECT_NE(testing::run_exit_code(cli + "--sheet-scale 0 --out " + (dir / "c").string() +
                                   " 2>/dev/null"),
            0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace peakscope::io
