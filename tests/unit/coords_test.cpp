// Coordinate conventions on points whose answers are known by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>

#include "core/lab/coords.hpp"

namespace peakscope {
namespace {

CoordConvention conv(CoordSystem s, int iw = 0, int ih = 0, bool udp = false) {
  CoordConvention c;
  c.system = s;
  c.input_width = iw;
  c.input_height = ih;
  c.udp = udp;
  return c;
}

TEST(Coords, EveryConventionOnAHandComputedPoint) {
  // A 4 x 2 map, the point (1, 0.5).
  const CoordPoint p{1, 0.5};
  struct Case {
    CoordConvention c;
    double x, y;
  } cases[] = {
      {conv(CoordSystem::kIndex), 1, 0.5},
      {conv(CoordSystem::kHalf), 1.5, 1.0},
      {conv(CoordSystem::kDsnt), -0.25, 0.0},                 // (2*1+1)/4 - 1, (2*0.5+1)/2 - 1
      {conv(CoordSystem::kCorner), -1.0 / 3, 0.0},            // 2*1/3 - 1, 2*0.5/1 - 1
      {conv(CoordSystem::kImage, 256, 128), 64, 32},          // 1*256/4, 0.5*128/2
      {conv(CoordSystem::kImage, 256, 128, true), 85, 63.5},  // 1*255/3, 0.5*127/1
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.c.name());
    const CoordPoint q = to_convention(p, 4, 2, c.c);
    EXPECT_NEAR(q.x, c.x, 1e-12);
    EXPECT_NEAR(q.y, c.y, 1e-12);
    const CoordPoint back = from_convention(q, 4, 2, c.c);
    EXPECT_NEAR(back.x, p.x, 1e-12);
    EXPECT_NEAR(back.y, p.y, 1e-12);
  }
}

TEST(Coords, GridEdgesLandWhereEachLibraryPutsThem) {
  // dsnt: the pixel centres span (-1, 1) without reaching it; corner: exactly [-1, 1].
  EXPECT_DOUBLE_EQ(to_convention({0, 0}, 8, 8, conv(CoordSystem::kDsnt)).x, -1 + 1.0 / 8);
  EXPECT_DOUBLE_EQ(to_convention({7, 7}, 8, 8, conv(CoordSystem::kDsnt)).x, 1 - 1.0 / 8);
  EXPECT_DOUBLE_EQ(to_convention({0, 0}, 8, 8, conv(CoordSystem::kCorner)).x, -1);
  EXPECT_DOUBLE_EQ(to_convention({7, 7}, 8, 8, conv(CoordSystem::kCorner)).x, 1);
  // UDP: the last heatmap pixel maps onto the last input pixel.
  EXPECT_DOUBLE_EQ(to_convention({47, 63}, 48, 64, conv(CoordSystem::kImage, 192, 256, true)).x,
                   191);
  // A one-pixel axis has no span: corner and udp give 0.
  EXPECT_DOUBLE_EQ(to_convention({0, 0}, 1, 1, conv(CoordSystem::kCorner)).y, 0);
  EXPECT_DOUBLE_EQ(to_convention({0, 0}, 1, 1, conv(CoordSystem::kImage, 192, 256, true)).y, 0);
}

// Every degenerate axis of every convention: a one-pixel map axis (its only position is 0),
// and for image a one-pixel input axis, forward and back, on x and on y. The answers by hand:
// index 0, half 0.5, dsnt (2*0+1)/1 - 1 = 0, corner 0 (no span), image i * input / n, image
// with UDP 0 (no span on either side); nothing divides by zero, and every value round-trips.
TEST(Coords, DegenerateAxesOfEveryConvention) {
  struct Case {
    CoordConvention c;
    double one;  // where position 0 of a one-pixel axis lands
  };
  const Case cases[] = {
      {conv(CoordSystem::kIndex), 0},       {conv(CoordSystem::kHalf), 0.5},
      {conv(CoordSystem::kDsnt), 0},        {conv(CoordSystem::kCorner), 0},
      {conv(CoordSystem::kImage, 7, 7), 0}, {conv(CoordSystem::kImage, 7, 7, true), 0},
      {conv(CoordSystem::kImage, 1, 1), 0}, {conv(CoordSystem::kImage, 1, 1, true), 0},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(std::string(k.c.name()) + (k.c.udp ? " udp" : "") + " input " +
                 std::to_string(k.c.input_width));
    // A 1 x 1 map, and one-pixel axes next to a 5-pixel one (x, then y).
    for (auto [w, h] : {std::pair{1, 1}, std::pair{1, 5}, std::pair{5, 1}}) {
      const CoordPoint q = to_convention({0, 0}, w, h, k.c);
      if (w == 1) {
        EXPECT_EQ(q.x, k.one) << w << "x" << h;
      }
      if (h == 1) {
        EXPECT_EQ(q.y, k.one) << w << "x" << h;
      }
      EXPECT_TRUE(std::isfinite(q.x) && std::isfinite(q.y)) << w << "x" << h;
      const CoordPoint back = from_convention(q, w, h, k.c);
      EXPECT_NEAR(back.x, 0.0, w == 1 ? 0.0 : 1e-12) << w << "x" << h;
      EXPECT_NEAR(back.y, 0.0, h == 1 ? 0.0 : 1e-12) << w << "x" << h;
      // Any value read back onto a one-pixel axis is finite.
      const CoordPoint any = from_convention({0.25, 0.25}, w, h, k.c);
      EXPECT_TRUE(std::isfinite(any.x) && std::isfinite(any.y)) << w << "x" << h;
    }
  }
  // A one-pixel input axis with UDP has no span either: every map position lands on 0 and
  // comes back as 0; without UDP it scales by 1 / n.
  const CoordPoint u = to_convention({3, 2}, 5, 4, conv(CoordSystem::kImage, 1, 1, true));
  EXPECT_EQ(u.x, 0.0);
  EXPECT_EQ(u.y, 0.0);
  const CoordPoint ub = from_convention({0.5, 0.5}, 5, 4, conv(CoordSystem::kImage, 1, 1, true));
  EXPECT_EQ(ub.x, 0.0);
  EXPECT_EQ(ub.y, 0.0);
  const CoordPoint s = to_convention({3, 2}, 5, 4, conv(CoordSystem::kImage, 1, 1));
  EXPECT_DOUBLE_EQ(s.x, 3.0 / 5);
  EXPECT_DOUBLE_EQ(s.y, 2.0 / 4);
  // The other line of the edge test above: UDP on a one-pixel map axis gives 0 too.
  EXPECT_EQ(to_convention({0, 0}, 1, 1, conv(CoordSystem::kImage, 192, 256, true)).x, 0);
}

TEST(Coords, ParsingAndValidation) {
  EXPECT_EQ(parse_coord_system("dsnt"), CoordSystem::kDsnt);
  EXPECT_THROW(parse_coord_system("pixel"), std::invalid_argument);
  int w = 0, h = 0;
  parse_input_size("192x256", w, h);
  EXPECT_EQ(w, 192);
  EXPECT_EQ(h, 256);
  for (const char* bad : {"192", "x256", "192x", "0x5", "-3x4", "3x4x5", "axb", ""})
    EXPECT_THROW(parse_input_size(bad, w, h), std::invalid_argument) << bad;
  EXPECT_THROW(conv(CoordSystem::kImage).validate(), std::invalid_argument);
  EXPECT_NO_THROW(conv(CoordSystem::kImage, 4, 4).validate());
  EXPECT_STREQ(conv(CoordSystem::kCorner).name(), "corner");
}

}  // namespace
}  // namespace peakscope
