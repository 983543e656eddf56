// core/enum_names.hpp (the one table per value set behind every parse_x / x_name pair) and
// core/split_list.hpp (the list splitter of values with their own grammar).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/engine/engine.hpp"
#include "core/enum_names.hpp"
#include "core/lab/coords.hpp"
#include "core/lab/decoder.hpp"
#include "core/split_list.hpp"

namespace peakscope {
namespace {

enum class Shade { kDark, kLight, kGrey };
constexpr EnumName<Shade> kShades[] = {{Shade::kDark, "dark"},
                                       {Shade::kLight, "light"},
                                       {Shade::kGrey, "grey"},
                                       {Shade::kGrey, "gray"}};

std::string message(auto&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(EnumNamesTest, FirstEntryIsTheCanonicalNameLaterOnesAreAliases) {
  EXPECT_STREQ(enum_name(kShades, Shade::kGrey), "grey");
  EXPECT_EQ(parse_enum(kShades, "gray", "shade"), Shade::kGrey);
  EXPECT_EQ(parse_enum(kShades, "light", "shade"), Shade::kLight);
  EXPECT_EQ(enum_names(kShades), (std::vector<std::string>{"dark", "light", "grey"}));
  EXPECT_EQ(enum_choices(kShades), "dark, light or grey");
  EXPECT_FALSE(find_enum(kShades, "Dark").has_value());  // exact match
  EXPECT_STREQ(enum_name(kShades, static_cast<Shade>(7)), "?");
}

TEST(EnumNamesTest, OneMessageForEveryUnknownName) {
  EXPECT_EQ(message([] { parse_enum(kShades, "blue", "shade"); }),
            "unknown shade 'blue' (expected dark, light or grey)");
  EXPECT_EQ(message([] { parse_backend("tpu"); }),
            "unknown backend 'tpu' (expected auto, gpu or cpu)");
  EXPECT_EQ(message([] { parse_coord_system("pixel"); }),
            "unknown coordinate convention 'pixel' (expected index, half, dsnt, corner or image)");
  EXPECT_EQ(message([] { parse_decoder_list("argmax,nope"); }),
            "unknown decoder 'nope' (expected argmax, softargmax, quarter, dark, dark-udp, "
            "window, centroid, mediapipe, debiased or all)");
  EXPECT_EQ(choices_text({"a"}), "a");
  EXPECT_EQ(choices_text({"a", "b"}), "a or b");
}

TEST(EnumNamesTest, NamesRoundTrip) {
  for (Backend b : {Backend::kAuto, Backend::kGpu, Backend::kCpu})
    EXPECT_EQ(parse_backend(backend_name(b)), b);
  for (CoordSystem s : {CoordSystem::kIndex, CoordSystem::kHalf, CoordSystem::kDsnt,
                        CoordSystem::kCorner, CoordSystem::kImage})
    EXPECT_EQ(parse_coord_system(CoordConvention{s}.name()), s);
  EXPECT_STREQ(elem_name(ElemType::kFloat32), "float32");
  EXPECT_STREQ(elem_name(ElemType::kUInt8), "uint8");
}

TEST(SplitListTest, ItemsAsGetlineReadsThem) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_list("a,b"), (V{"a", "b"}));
  EXPECT_EQ(split_list("a,,b"), (V{"a", "", "b"}));
  EXPECT_EQ(split_list(",a"), (V{"", "a"}));
  EXPECT_EQ(split_list("a,"), (V{"a"}));
  EXPECT_EQ(split_list(","), (V{""}));
  EXPECT_EQ(split_list(""), V{});
  EXPECT_EQ(split_list(" a , b "), (V{" a ", " b "}));
  EXPECT_EQ(split_list("1:2", ':'), (V{"1", "2"}));
}

}  // namespace
}  // namespace peakscope
