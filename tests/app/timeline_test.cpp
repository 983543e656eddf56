// The timeline without a window: the frame cache keeps frames within its budget, least
// recently used first out; the source worker seeks back to the same frame bit for bit (from
// the cache, through Source::seek: .npy, a video by frame number; or by reopening a source
// that cannot seek), loops at the end and stops there when asked; the state's keys (step
// back, pin, A/B) and the compare panes and sheet.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <string>
#include <vector>

#include "app/viewer/compare.hpp"
#include "app/viewer/frame_cache.hpp"
#include "app/viewer/source_worker.hpp"
#include "app/viewer/timeline.hpp"
#include "app/viewer/viewer_state.hpp"
#include "core/io/npy.hpp"
#include "core/io/sheets.hpp"
#include "tests/support/temp.hpp"

namespace {

namespace fs = std::filesystem;
using namespace peakscope;
using namespace peakscope::viewer;

io::Frame frame_of(long index, int w, int h, float value) {
  io::Frame f;
  f.index = index;
  f.heatmap = Heatmap(w, h, 1, ElemType::kFloat32);
  for (std::size_t i = 0; i < f.heatmap.view().pixels(); ++i) f.heatmap.f32()[i] = value;
  return f;
}

// A 10-frame .npy, 2 channels of 24 x 16: a Gaussian blob moving right (frame i's peak at
// x = 3 + 2 i), every frame different.
std::string ten_frames() {
  static const std::string path = [] {
    const fs::path p = peakscope::testing::temp_path("timeline_ten.npy");
    const int n = 10, k = 2, h = 16, w = 24;
    std::vector<float> v(static_cast<std::size_t>(n) * k * h * w);
    for (int i = 0; i < n; ++i)
      for (int c = 0; c < k; ++c)
        for (int y = 0; y < h; ++y)
          for (int x = 0; x < w; ++x) {
            const double dx = x - (3 + 2 * i) - 0.3 * c, dy = y - 7.0 - c;
            v[((static_cast<std::size_t>(i) * k + c) * h + y) * w + x] =
                static_cast<float>(std::exp(-(dx * dx + dy * dy) / 8.0) + 1e-3 * i);
          }
    io::write_npy(p.string(), {10, 2, 16, 24}, v, "f4");
    return p.string();
  }();
  return path;
}

// A video of 32 x 24 with a dot moving right: `name` (.avi: MJPEG, key frames only; .mp4:
// MPEG-4 part 2, whose frames depend on earlier ones).
std::string video(const std::string& name, int frames) {
  const fs::path p = peakscope::testing::temp_path("timeline_" + name);
  {
    const bool mp4 = p.extension() == ".mp4";
    cv::VideoWriter w(p.string(),
                      mp4 ? cv::VideoWriter::fourcc('m', 'p', '4', 'v')
                          : cv::VideoWriter::fourcc('M', 'J', 'P', 'G'),
                      10, cv::Size(32, 24));
    for (int i = 0; i < frames; ++i) {
      cv::Mat f(24, 32, CV_8UC3, cv::Scalar(0, 0, 0));
      cv::circle(f, cv::Point(4 + i % 24, 12), 3, cv::Scalar(255, 255, 255), -1);
      w.write(f);
    }
  }
  return p.string();
}

bool same_bits(const io::Frame& a, const io::Frame& b) {
  return a.index == b.index && a.heatmap.size_bytes() == b.heatmap.size_bytes() &&
         std::memcmp(a.heatmap.u8(), b.heatmap.u8(), a.heatmap.size_bytes()) == 0;
}

// Takes frames until `n` arrived (or none comes within 5 s).
std::vector<io::Frame> take_n(SourceWorker& w, int n) {
  std::vector<io::Frame> out;
  while (static_cast<int>(out.size()) < n) {
    std::optional<WorkerFrame> f = w.take(5.0);
    if (!f) break;
    out.push_back(std::move(f->frame));
  }
  return out;
}

// ---- The frame cache -------------------------------------------------------------------------

TEST(FrameCacheTest, KeepsFramesWithinItsBudgetDroppingTheLeastRecentlyUsed) {
  const std::size_t one = FrameCache::frame_bytes(frame_of(0, 32, 32, 0));
  ASSERT_EQ(one, 32u * 32u * 4u);
  FrameCache c(3 * one);
  for (long i = 0; i < 3; ++i) c.put(i, frame_of(i, 32, 32, static_cast<float>(i)));
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.bytes(), 3 * one);
  ASSERT_TRUE(c.get(0));  // 0 is now the most recently used: 1 goes first
  c.put(3, frame_of(3, 32, 32, 3));
  EXPECT_EQ(c.size(), 3u);
  EXPECT_LE(c.bytes(), c.budget());
  EXPECT_TRUE(c.contains(0));
  EXPECT_FALSE(c.contains(1));
  EXPECT_TRUE(c.contains(2));
  EXPECT_TRUE(c.contains(3));
  const std::optional<io::Frame> f = c.get(3);
  ASSERT_TRUE(f);
  EXPECT_TRUE(same_bits(*f, frame_of(3, 32, 32, 3)));
  // A frame larger than the whole budget is not kept; a smaller budget drops at once.
  c.put(9, frame_of(9, 64, 64, 9));
  EXPECT_FALSE(c.contains(9));
  c.set_budget(one);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_LE(c.bytes(), one);
  c.set_budget(0);
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.bytes(), 0u);
}

TEST(FrameCacheTest, CountsTheImageToo) {
  io::Frame f = frame_of(0, 8, 8, 1);
  f.image = cv::Mat(20, 10, CV_8UC3);
  EXPECT_EQ(FrameCache::frame_bytes(f), 8u * 8u * 4u + 20u * 10u * 3u);
}

// ---- The worker's timeline -------------------------------------------------------------------

TEST(SourceWorkerTimelineTest, SeekBackGivesTheSameFrameBitForBit) {
  // From the cache, from Source::seek (.npy, no cache) and by reopening the synthetic scene
  // (it cannot seek, no cache): each path gives what the first pass read.
  struct Case {
    std::string spec;
    std::size_t budget;
  };
  io::SourceOptions so;
  so.synthetic.width = 24;
  so.synthetic.height = 16;
  so.synthetic.frames = 10;
  for (const Case& k : {Case{ten_frames(), 64u << 20}, Case{ten_frames(), 0}, Case{"synthetic", 0},
                        Case{"synthetic", 64u << 20}, Case{video("twelve.avi", 12), 0},
                        Case{video("forty.mp4", 40), 0}}) {
    SCOPED_TRACE(k.spec + " budget " + std::to_string(k.budget));
    SourceWorker w(/*paced=*/false, 30, so);
    w.set_cache_budget(k.budget);
    w.open(k.spec);
    const std::vector<io::Frame> first = take_n(w, 10);
    ASSERT_EQ(first.size(), 10u);
    for (long i = 0; i < 10; ++i) EXPECT_EQ(first[i].index, i);
    for (long at : {3L, 0L, 9L, 5L, 4L}) {
      w.seek(at);
      const std::vector<io::Frame> again = take_n(w, 1);
      ASSERT_EQ(again.size(), 1u);
      EXPECT_TRUE(same_bits(again[0], first[at])) << "frame " << at;
    }
    // After a seek the frames go on from there.
    w.seek(6);
    const std::vector<io::Frame> on = take_n(w, 2);
    ASSERT_EQ(on.size(), 2u);
    EXPECT_TRUE(same_bits(on[0], first[6]));
    EXPECT_TRUE(same_bits(on[1], first[7]));
    const SourceInfo info = w.info();
    EXPECT_EQ(info.cache_frames, k.budget ? 10u : 0u);
    EXPECT_LE(info.cache_bytes, k.budget);
  }
}

TEST(SourceWorkerTimelineTest, LoopWrapsAndStopsWhenOff) {
  SourceWorker w(/*paced=*/false, 30, io::SourceOptions{});
  w.set_loop(true);
  w.open(ten_frames());
  const std::vector<io::Frame> f = take_n(w, 23);
  ASSERT_EQ(f.size(), 23u);
  for (std::size_t i = 0; i < f.size(); ++i) EXPECT_EQ(f[i].index, static_cast<long>(i % 10));
  EXPECT_TRUE(same_bits(f[20], f[0]));
  EXPECT_EQ(w.info().end_index, 10);
  EXPECT_FALSE(w.info().finished);
  w.set_loop(false);
  while (w.take(0.5)) {
  }
  EXPECT_TRUE(w.info().finished);
  // A seek after the end plays again from there.
  w.seek(8);
  const std::vector<io::Frame> g = take_n(w, 5);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].index, 8);
  EXPECT_EQ(g[1].index, 9);
}

TEST(SourceWorkerTimelineTest, CacheStaysWithinTheBudget) {
  const std::size_t one = 2u * 16u * 24u * 4u;  // a frame of ten_frames()
  SourceWorker w(/*paced=*/false, 30, io::SourceOptions{});
  w.set_cache_budget(3 * one + one / 2);
  w.open(ten_frames());
  ASSERT_EQ(take_n(w, 10).size(), 10u);
  const SourceInfo info = w.info();
  EXPECT_EQ(info.cache_frames, 3u);
  EXPECT_EQ(info.cache_bytes, 3 * one);
  EXPECT_EQ(info.cache_budget, 3 * one + one / 2);
}

TEST(SourceWorkerTimelineTest, SeekBeforeTheSourceRunsAppliesToIt) {
  SourceWorker w(/*paced=*/false, 30, io::SourceOptions{});
  w.seek(25);  // past the end: the last frame
  w.open(ten_frames());
  const std::vector<io::Frame> f = take_n(w, 1);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].index, 9);
}

// ---- The state -------------------------------------------------------------------------------

TEST(TimelineStateTest, StepBackPinAndCompareKeys) {
  ViewerState st;
  st.begin_source(0, "ten", 10);
  st.set_frame(frame_of(4, 8, 8, 1));
  EXPECT_TRUE(st.timeline().finite());
  st.press(Key::kComma);
  EXPECT_TRUE(st.paused());
  EXPECT_EQ(st.timeline().take_seek(), 3);
  EXPECT_TRUE(st.timeline().awaiting());
  EXPECT_TRUE(st.want_frame(0)) << "paused, but the sought frame is wanted";
  st.press(Key::kComma);  // before it arrives: from the seek, not the frame shown
  EXPECT_EQ(st.timeline().take_seek(), 2);
  st.set_frame(frame_of(2, 8, 8, 2));
  EXPECT_FALSE(st.timeline().awaiting());
  EXPECT_FALSE(st.want_frame(0));
  st.timeline().request_seek(-5);
  EXPECT_EQ(st.timeline().take_seek(), 0);
  st.timeline().request_seek(50);
  EXPECT_EQ(st.timeline().take_seek(), 9);
  // Pin: the frame shown, beside the current one; unpin.
  st.press(Key::kP);
  ASSERT_TRUE(st.timeline().pinned());
  EXPECT_EQ(st.timeline().pinned()->index, 2);
  EXPECT_EQ(st.timeline().mode(), CompareMode::kPinned);
  st.press(Key::kX);
  EXPECT_EQ(st.timeline().mode(), CompareMode::kAB);
  st.press(Key::kX);
  EXPECT_EQ(st.timeline().mode(), CompareMode::kPinned);
  st.press(Key::kP);
  EXPECT_FALSE(st.timeline().pinned());
  EXPECT_EQ(st.timeline().mode(), CompareMode::kOff);
  st.press(Key::kK);
  EXPECT_FALSE(st.timeline().loop());
  // A live source has no timeline: step back does nothing.
  st.begin_source(1, "camera", -1);
  st.set_frame(frame_of(7, 8, 8, 1));
  st.set_paused(false);
  st.press(Key::kComma);
  EXPECT_FALSE(st.timeline().take_seek());
  EXPECT_FALSE(st.paused());
}

TEST(TimelineStateTest, PinWhenShownAndABSides) {
  Timeline t;
  t.pin_when_shown(3);
  t.frame_arrived(frame_of(2, 4, 4, 0));
  EXPECT_FALSE(t.pinned());
  t.frame_arrived(frame_of(3, 4, 4, 0));
  ASSERT_TRUE(t.pinned());
  EXPECT_EQ(t.pinned()->index, 3);
  const ABSide s = parse_ab_side("200:dark");
  EXPECT_EQ(s.beta, 200);
  EXPECT_EQ(s.decoder, DecoderKind::kDark);
  EXPECT_EQ(parse_ab_side("20").decoder, DecoderKind::kSoftargmax);
  EXPECT_EQ(ab_label('B', s), "B: beta 200 dark");
  for (const char* bad : {"x:dark", "20:nope", "-1", ""}) {
    try {
      parse_ab_side(bad);
      ADD_FAILURE() << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(t.set_side('A', {0, DecoderKind::kArgmax}), std::invalid_argument);
}

// ---- The compare panes and sheet -------------------------------------------------------------

TEST(CompareTest, PanesDecodeEachSideAndMeasureTheError) {
  std::unique_ptr<io::Source> src = io::open_source(ten_frames());
  std::optional<io::Frame> f = src->next();
  ASSERT_TRUE(f);
  f->ground_truth = {{{3.0, 7.0}}, {{3.3, 8.0}}};  // the blobs' centres
  CpuEngine cpu;
  PaneRequest r;
  r.frame = &*f;
  r.channel = 0;
  r.options = {0.5, true};
  r.label = "A";
  const ComparePane low = make_pane(cpu, r);
  r.options.beta = 200;
  r.decoder = DecoderKind::kDark;
  r.label = "B";
  const ComparePane dark = make_pane(cpu, r);
  ASSERT_EQ(low.points.size(), 1u);
  ASSERT_EQ(dark.points.size(), 1u);
  EXPECT_EQ(low.image.cols, 24);
  EXPECT_EQ(low.image.rows, 16);
  // Beta 0.5 pulls soft-argmax toward the map's centre; DARK finds the blob's centre.
  EXPECT_GT(low.points[0].error, 1.0);
  EXPECT_LT(dark.points[0].error, 0.2);
  EXPECT_NEAR(dark.points[0].point.x, 3.0, 0.2);
  EXPECT_EQ(dark.errors, 1);
  EXPECT_NE(dark.readout().find("error"), std::string::npos) << dark.readout();
  EXPECT_GT(low.p_lo, 0.0);
  EXPECT_LT(dark.p_lo / dark.p_hi, low.p_lo / low.p_hi) << "beta 200 is the sharper";
  // All channels: both points, each pixel relative to its peak.
  r.channel = -1;
  const ComparePane all = make_pane(cpu, r);
  EXPECT_EQ(all.points.size(), 2u);
  EXPECT_TRUE(all.relative);
  EXPECT_NEAR(all.p_hi, 1.0, 1e-6);
  EXPECT_EQ(all.errors, 2);
  r.channel = 2;
  EXPECT_THROW(make_pane(cpu, r), std::invalid_argument);

  // The pictures differ: beta 0.5 spreads p over the blob's whole area, beta 200 keeps it at
  // the peak (linear scale: few pixels above the bottom colour).
  auto above_floor = [](const ComparePane& p) {
    const cv::Vec3b floor = p.image.at<cv::Vec3b>(0, p.image.cols - 1);
    int n = 0;
    for (int y = 0; y < p.image.rows; ++y)
      for (int x = 0; x < p.image.cols; ++x) n += p.image.at<cv::Vec3b>(y, x) != floor;
    return n;
  };
  EXPECT_GT(above_floor(low), 3 * above_floor(dark));
  const cv::Mat sheet = compose_compare_sheet(low, dark, "frame 0, channel 0", 96);
  ASSERT_FALSE(sheet.empty());
  EXPECT_GE(sheet.cols, 2 * 96);
  // Two columns, each with its picture (at least 96 px) and markers.
  const cv::Mat left = sheet(cv::Rect(0, io::kSheetTitle, sheet.cols / 2, 96));
  const cv::Mat right = sheet(cv::Rect(sheet.cols / 2, io::kSheetTitle, sheet.cols / 2, 96));
  // Magenta diamonds (the decoder's point) on both sides.
  auto has = [](const cv::Mat& m, cv::Vec3b c) {
    for (int y = 0; y < m.rows; ++y)
      for (int x = 0; x < m.cols; ++x)
        if (m.at<cv::Vec3b>(y, x) == c) return true;
    return false;
  };
  EXPECT_TRUE(has(left, cv::Vec3b(255, 0, 255)));
  EXPECT_TRUE(has(right, cv::Vec3b(255, 0, 255)));
  EXPECT_TRUE(has(left, cv::Vec3b(0, 255, 0))) << "the ground truth's cross";
}

}  // namespace
