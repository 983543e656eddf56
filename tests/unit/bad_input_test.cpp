// The defined answers to bad input (see core/decode.hpp), for the reference. Every engine gives
// the same answers: tests/gl/engine_contract_test.cpp (ContractTest.RejectsBadInput and
// NonFinitePixels) holds them to it.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/reference.hpp"

namespace peakscope {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(BadInputTest, ZeroSizeMapsThrow) {
  const float one = 1;
  for (auto [w, h, k] : {std::tuple{0, 4, 1}, {4, 0, 1}, {4, 4, 0}, {-1, 4, 1}}) {
    HeatmapView v{&one, ElemType::kFloat32, w, h, k, std::max(w, 0), 16};
    EXPECT_THROW(reference::decode_all(v, {1.0, false}), std::invalid_argument);
  }
}

TEST(BadInputTest, BetaMustBeFinitePositive) {
  const float d[4] = {1, 2, 3, 4};
  const HeatmapView v = HeatmapView::dense(d, 2, 2);
  // Rejected with the one message naming the value; accepting one fails the test.
  for (double b : {0.0, -1.0, -2.0, std::nan(""), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    try {
      reference::decode(v, 0, {b, false});
      ADD_FAILURE() << "beta " << b << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(
          std::string(e.what()).rfind("beta must be a finite number in [1e-30, 1e+30], got ", 0),
          0u)
          << b << ": " << e.what();
    }
  }
}

TEST(BadInputTest, BetaOutsideTheAcceptedRangeIsRejected) {
  const float d[4] = {1, 2, 3, 4};
  const HeatmapView v = HeatmapView::dense(d, 2, 2);
  for (double b : {kBetaMin * 0.999, kBetaMax * 1.001, 1e39, 1e-39, 1e300})
    EXPECT_THROW(reference::decode(v, 0, {b, false}), std::invalid_argument) << b;
  for (double b : {kBetaMin, kBetaMax})
    for (bool norm : {false, true}) EXPECT_NO_THROW(reference::decode(v, 0, {b, norm})) << b;
}

TEST(BadInputTest, NaNPixelsAreIgnored) {
  const float d[6] = {kNaN, 1, 5, kNaN, 5, 2};
  const float clean[6] = {-kInf, 1, 5, -kInf, 5, 2};
  const Keypoint want = reference::decode(HeatmapView::dense(clean, 3, 2), 0, {2.0, false});
  for (const Keypoint& k : reference::decode_all(HeatmapView::dense(d, 3, 2), {2.0, false})) {
    EXPECT_TRUE(k.valid);
    EXPECT_EQ(k.argmax_x, 2);
    EXPECT_EQ(k.argmax_y, 0);
    EXPECT_NEAR(k.soft_x, want.soft_x, 1e-6);
    EXPECT_NEAR(k.soft_y, want.soft_y, 1e-6);
    EXPECT_FALSE(std::isnan(k.peak_probability));
  }
}

TEST(BadInputTest, PlusInfIsTheMaximumAndSharesProbability) {
  const float d[6] = {1, kInf, 3, 4, 5, kInf};
  for (const Keypoint& k : reference::decode_all(HeatmapView::dense(d, 3, 2), {1.0, true})) {
    EXPECT_TRUE(k.valid);
    EXPECT_EQ(k.argmax_x, 1);
    EXPECT_EQ(k.argmax_y, 0);
    EXPECT_DOUBLE_EQ(k.soft_x, 1.5);
    EXPECT_DOUBLE_EQ(k.soft_y, 0.5);
    EXPECT_DOUBLE_EQ(k.peak_probability, 0.5);
  }
}

TEST(BadInputTest, AllNaNOrMinusInfIsInvalidAndFinite) {
  const float d[6] = {kNaN, -kInf, kNaN, kNaN, -kInf, kNaN};
  for (const Keypoint& k : reference::decode_all(HeatmapView::dense(d, 3, 2), {1.0, false})) {
    EXPECT_FALSE(k.valid);
    EXPECT_DOUBLE_EQ(k.soft_x, 1.0);
    EXPECT_DOUBLE_EQ(k.soft_y, 0.5);
    EXPECT_EQ(k.peak_probability, 0.0);
  }
}

TEST(BadInputTest, HugeMagnitudesAndBetaNeverNaN) {
  const float d[8] = {3.4e38f, -3.4e38f, 1e-45f, -1e-45f, 0.f, 3.4e38f, -1e30f, 1e30f};
  for (double beta : {1e-3, 1.0, 1e4, 1e20, 1e30})
    for (bool norm : {false, true})
      for (const Keypoint& k : reference::decode_all(HeatmapView::dense(d, 4, 2), {beta, norm})) {
        EXPECT_TRUE(std::isfinite(k.soft_x) && std::isfinite(k.soft_y)) << beta;
        EXPECT_TRUE(std::isfinite(k.peak_probability) && k.peak_probability > 0) << beta;
        EXPECT_GE(k.soft_x, 0);
        EXPECT_LE(k.soft_x, 3);
      }
}

TEST(BadInputTest, ChannelOutOfRangeThrows) {
  const float d[4] = {1, 2, 3, 4};
  EXPECT_THROW(reference::decode(HeatmapView::dense(d, 2, 2), 1, {1.0, false}), std::out_of_range);
}

}  // namespace
}  // namespace peakscope
