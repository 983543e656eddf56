// The viewer's state without a window: settings setters, the key table, history and curve
// invalidation, source status, and the view images (max / grid, softmax ranges).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <opencv2/videoio.hpp>
#include <set>
#include <string>
#include <thread>

#include "app/viewer/frame_step.hpp"
#include "app/viewer/keys.hpp"
#include "app/viewer/recorder.hpp"
#include "app/viewer/settings.hpp"
#include "app/viewer/source_worker.hpp"
#include "app/viewer/view_images.hpp"
#include "app/viewer/viewer_state.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/reference.hpp"

namespace peakscope::viewer {
namespace {

namespace fs = std::filesystem;

// A K x H x W float frame with one Gaussian peak per channel at (cx + c, cy) and its ground
// truth there (or none).
io::Frame make_frame(long index, int k = 1, bool gt = true, int w = 32, int h = 24, double cx = 10,
                     double cy = 8) {
  io::Frame f;
  f.index = index;
  f.heatmap = Heatmap(w, h, k, ElemType::kFloat32);
  for (int c = 0; c < k; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        f.heatmap.f32()[(static_cast<std::size_t>(c) * h + y) * w + x] = static_cast<float>(
            (c + 1) * std::exp(-((x - cx - c) * (x - cx - c) + (y - cy) * (y - cy)) / 8.0));
  if (gt) {
    f.ground_truth.resize(k);
    for (int c = 0; c < k; ++c) f.ground_truth[c].push_back({cx + c + 0.25, cy});
  }
  return f;
}

// The curve is fed the beta grid FrameStep computes on the current frame's decode (on a CPU
// engine).
BetaGrid curve_grid(const ViewerState& st) {
  static const std::unique_ptr<FrameStep> step = [] {
    auto s = std::make_unique<FrameStep>();
    s->set_engine(std::make_unique<CpuEngine>(1), "");
    return s;
  }();
  EXPECT_TRUE(step->decode(*st.frame(), st.settings().decode_options()).ok);
  const CurveResults r =
      step->curves(ViewerState::curve_betas(), st.settings().normalize(), false, -1);
  EXPECT_EQ(r.error, "");
  return r.grid;
}

void decode(ViewerState& st) {
  st.set_decoded(reference::decode_all(st.frame()->heatmap.view(), st.settings().decode_options()),
                 0.1);
}

TEST(ViewerStateTest, DefaultsComeFromTheCore) {
  const Settings s;
  EXPECT_EQ(s.beta(), kDefaultBeta);
  EXPECT_EQ(s.normalize(), kDefaultNormalize);
  EXPECT_EQ(s.channel(), -1);
}

TEST(ViewerStateTest, BetaSetterRejectsWhatTheCoreRejects) {
  ViewerState st;
  for (double bad : {-1.0, 0.0, std::nan(""), double(INFINITY), 1e31, 1e-31}) {
    EXPECT_FALSE(st.set_beta(bad)) << bad;
    EXPECT_EQ(st.settings().beta(), kDefaultBeta);
    EXPECT_EQ(st.error(), beta_problem(bad)) << "one message for every way beta comes in";
  }
  EXPECT_TRUE(st.set_beta(5));
  EXPECT_EQ(st.settings().beta(), 5);
  EXPECT_TRUE(st.error().empty()) << "an accepted value clears the input error";
  EXPECT_FALSE(st.set_beta_text("abc"));
  EXPECT_NE(st.error().find("'abc'"), std::string::npos) << st.error();
  EXPECT_FALSE(st.set_beta_text("-1"));
  EXPECT_EQ(st.settings().beta(), 5);
  EXPECT_TRUE(st.set_beta_text("1e-3"));
  EXPECT_EQ(st.settings().beta(), 1e-3);
}

TEST(ViewerStateTest, OtherSettersRejectBadValues) {
  ViewerState st;
  EXPECT_FALSE(st.set_fps(0));
  EXPECT_FALSE(st.set_fps(1e6));
  EXPECT_FALSE(st.set_fps(std::nan("")));
  EXPECT_TRUE(st.set_fps(12));
  EXPECT_EQ(st.settings().fps(), 12);
  EXPECT_FALSE(st.set_hold_s(-1));
  EXPECT_TRUE(st.set_hold_s(0.5));
  EXPECT_FALSE(st.set_output_dir(""));
  EXPECT_FALSE(st.set_source(""));
  EXPECT_FALSE(st.set_channel(-2));
  st.begin_source(0, "test", 3);
  st.set_frame(make_frame(0, 3));
  EXPECT_FALSE(st.set_channel(3)) << "channels are numbered 0..2";
  EXPECT_NE(st.error().find("numbered from 0"), std::string::npos) << st.error();
  EXPECT_TRUE(st.set_channel(2));
  EXPECT_EQ(st.shown_channel(), 2);
  Settings s;
  EXPECT_THROW(s.set_marker_visible(MarkerKind::kCount, true), std::invalid_argument);
}

// A channel asked for before the source is known (--channel 40, a saved setting) that the
// source does not have: all channels are shown, and the viewer says why.
TEST(ViewerStateTest, ChannelBeyondTheSourceIsSaid) {
  ViewerState st;
  EXPECT_TRUE(st.set_channel(40));
  st.begin_source(0, "test", 1);
  st.set_frame(make_frame(0, 1));
  EXPECT_EQ(st.settings().channel(), -1);
  EXPECT_EQ(st.error(),
            "channel 40 is out of range: the source has 1 channel(s), 0 to 0; showing all "
            "channels");
  EXPECT_TRUE(st.set_channel(0));
  st.set_frame(make_frame(1, 1));
  EXPECT_EQ(st.settings().channel(), 0);
}

// Marker channels the source does not have (--channels 1,50 on 3 channels) are left out and
// said once; when none is left, every channel's markers are drawn.
TEST(ViewerStateTest, MarkerChannelsBeyondTheSourceAreSaid) {
  ViewerState st;
  st.set_drawn_channels(std::vector<int>{1, 50, 60});
  st.begin_source(0, "test", 3);
  st.set_frame(make_frame(0, 3));
  EXPECT_EQ(st.error(),
            "marker channel(s) 50,60 out of range: the source has 3 channel(s), 0 to 2; left out");
  ASSERT_TRUE(st.drawn_channels().has_value());
  EXPECT_EQ(*st.drawn_channels(), std::vector<int>{1});
  EXPECT_TRUE(st.channel_drawn(1));
  EXPECT_FALSE(st.channel_drawn(0));
  st.set_drawn_channels(std::vector<int>{50});
  st.set_frame(make_frame(1, 3));
  EXPECT_NE(st.error().find("drawing every channel's markers"), std::string::npos) << st.error();
  EXPECT_FALSE(st.drawn_channels().has_value());
  EXPECT_TRUE(st.channel_drawn(0));
}

TEST(ViewerStateTest, SettingsRoundTripAndBadFileValuesKeepDefaults) {
  const fs::path dir =
      fs::temp_directory_path() / ("peakscope_vs_settings_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "viewer.json").string();
  Settings s;
  s.set_beta(42);
  s.set_normalize(false);
  s.set_colormap(io::Colormap::kViridis);
  s.set_softmax_scale(SoftmaxScale::kLinear);
  s.set_channel(3);
  s.set_all_channels_view(AllChannelsView::kGrid);
  s.set_backend(Backend::kCpu);
  s.set_marker_visible(MarkerKind::kArgmax, false);
  s.set_fps(10);
  s.set_hold_s(2);
  save_settings(path, s);
  std::string warn;
  const Settings t = load_settings(path, &warn);
  EXPECT_TRUE(warn.empty()) << warn;
  EXPECT_EQ(t.beta(), 42);
  EXPECT_FALSE(t.normalize());
  EXPECT_EQ(t.colormap(), io::Colormap::kViridis);
  EXPECT_EQ(t.softmax_scale(), SoftmaxScale::kLinear);
  EXPECT_EQ(t.channel(), 3);
  EXPECT_EQ(t.all_channels_view(), AllChannelsView::kGrid);
  EXPECT_EQ(t.backend(), Backend::kCpu);
  EXPECT_FALSE(t.marker_visible(MarkerKind::kArgmax));
  EXPECT_TRUE(t.marker_visible(MarkerKind::kSoftArgmax));
  EXPECT_EQ(t.fps(), 10);
  EXPECT_EQ(t.hold_s(), 2);
  std::ofstream(path) << R"({"beta": -1, "colormap": "rainbow", "fps": 30, "normalize": "yes"})";
  const Settings u = load_settings(path, &warn);
  EXPECT_EQ(u.beta(), kDefaultBeta);
  EXPECT_EQ(u.colormap(), io::Colormap::kJet);
  EXPECT_EQ(u.fps(), 30) << "good keys still apply";
  EXPECT_NE(warn.find("beta"), std::string::npos) << warn;
  EXPECT_NE(warn.find("colormap"), std::string::npos) << warn;
  EXPECT_NE(warn.find("normalize"), std::string::npos) << warn;
  std::ofstream(path) << "{ not json";
  warn.clear();
  load_settings(path, &warn);
  EXPECT_NE(warn.find(path), std::string::npos) << warn;
  fs::remove_all(dir);
}

// The layout settings round-trip and are validated; the source of the last run is offered
// (last_source), never the source a run without arguments opens.
TEST(ViewerStateTest, LayoutSettingsAndTheLastSourceOffered) {
  const fs::path dir =
      fs::temp_directory_path() / ("peakscope_vs_layout_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "viewer.json").string();
  Settings s;
  s.set_marker_size(2.5);
  s.set_marker_alpha(0.4);
  s.set_ui_scale(1.5);
  s.set_plot_log_y(true);
  s.set_source("/data/vtest.avi");
  save_settings(path, s);
  std::string warn;
  Settings t = load_settings(path, &warn);
  EXPECT_TRUE(warn.empty()) << warn;
  EXPECT_EQ(t.marker_size(), 2.5);
  EXPECT_EQ(t.marker_alpha(), 0.4);
  EXPECT_EQ(t.ui_scale(), 1.5);
  EXPECT_TRUE(t.plot_log_y());
  EXPECT_EQ(t.source(), "synthetic") << "no arguments opens the synthetic scene";
  EXPECT_EQ(t.last_source(), "/data/vtest.avi");
  // A run on the synthetic scene keeps offering the last real source.
  save_settings(path, t);
  EXPECT_EQ(load_settings(path, &warn).last_source(), "/data/vtest.avi");
  // A file from before last_source existed: its "source" is offered, not opened.
  std::ofstream(path) << R"({"source": "stream:", "marker_size": 9, "ui_scale": 0.1})";
  const Settings u = load_settings(path, &warn);
  EXPECT_EQ(u.source(), "synthetic");
  EXPECT_EQ(u.last_source(), "stream:");
  EXPECT_EQ(u.marker_size(), 1) << "a bad value keeps the default";
  EXPECT_EQ(u.ui_scale(), 0);
  EXPECT_NE(warn.find("marker_size"), std::string::npos) << warn;
  EXPECT_NE(warn.find("ui_scale"), std::string::npos) << warn;
  for (double bad : {0.0, 0.2, 4.5, std::nan("")})
    EXPECT_THROW(s.set_marker_size(bad), std::invalid_argument) << bad;
  for (double bad : {0.0, 1.5, -1.0}) EXPECT_THROW(s.set_marker_alpha(bad), std::invalid_argument);
  for (double bad : {-1.0, 0.3, 5.0}) EXPECT_THROW(s.set_ui_scale(bad), std::invalid_argument);
  EXPECT_NO_THROW(s.set_ui_scale(0));
  fs::remove_all(dir);
}

TEST(ViewerStateTest, ChannelListsAndTheChannelsDrawn) {
  EXPECT_EQ(parse_channel_list("0,5-8"), (std::vector<int>{0, 5, 6, 7, 8}));
  EXPECT_EQ(parse_channel_list("8,3,3,2-3"), (std::vector<int>{2, 3, 8}));
  EXPECT_EQ(channel_list_text({0, 5, 6, 7, 8}), "0,5-8");
  EXPECT_EQ(channel_list_text({1, 2, 4}), "1,2,4");
  EXPECT_EQ(channel_list_text({}), "");
  for (const char* bad : {"", "a", "1,", "-3", "5-2", "1;2", "1-"}) {
    try {
      parse_channel_list(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
  ViewerState st;
  st.set_frame(make_frame(0, 3));
  st.set_drawn_channels(std::vector<int>{0, 2});
  EXPECT_TRUE(st.channel_drawn(0));
  EXPECT_FALSE(st.channel_drawn(1));
  EXPECT_TRUE(st.channel_drawn(2));
  ASSERT_TRUE(st.set_channel(1));  // a channel shown alone is drawn, and only it
  EXPECT_TRUE(st.channel_drawn(1));
  EXPECT_FALSE(st.channel_drawn(0));
  ASSERT_TRUE(st.set_channel(-1));
  st.set_drawn_channels(std::vector<int>{});
  EXPECT_FALSE(st.channel_drawn(0)) << "none drawn";
  st.set_drawn_channels(std::nullopt);
  EXPECT_TRUE(st.channel_drawn(1));
  EXPECT_FALSE(st.set_marker_size(10));
  EXPECT_NE(st.error().find("marker size"), std::string::npos) << st.error();
  EXPECT_TRUE(st.set_marker_size(0.5));
  EXPECT_EQ(st.settings().marker_size(), 0.5);
}

TEST(ViewerStateTest, KeyTableIsComplete) {
  std::set<int> actions, keys;
  for (const KeyBinding& b : key_table()) {
    EXPECT_TRUE(actions.insert(static_cast<int>(b.action)).second) << "one row per action";
    EXPECT_FALSE(b.keys.empty());
    for (Key k : b.keys) {
      EXPECT_TRUE(keys.insert(static_cast<int>(k)).second) << key_name(k) << " bound twice";
      EXPECT_EQ(find_binding(k), &b);
      EXPECT_STRNE(key_name(k), "?");
    }
    // The help line names the binding's keys and says what it does.
    const std::string help = help_text();
    EXPECT_NE(help.find(keys_text(b)), std::string::npos) << keys_text(b);
    EXPECT_NE(help.find(b.help), std::string::npos) << b.help;
  }
  EXPECT_EQ(actions.size(), static_cast<std::size_t>(Action::kCount)) << "every action has a key";
  EXPECT_EQ(find_binding(static_cast<Key>(999)), nullptr);
  EXPECT_NE(help_text().find("0..9"), std::string::npos);
}

TEST(ViewerStateTest, ReadmeListsEveryKey) {
  std::ifstream in(PEAKSCOPE_SOURCE_DIR "/README.md");
  const std::string readme((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(readme.empty());
  for (const KeyBinding& b : key_table())
    EXPECT_NE(readme.find("| " + keys_text(b) + " |"), std::string::npos)
        << "README keys table lacks " << keys_text(b);
}

TEST(ViewerStateTest, KeysDriveTheState) {
  ViewerState st;
  st.begin_source(0, "test", -1);
  st.set_frame(make_frame(0, 4));
  st.set_beta(10);
  st.press(Key::kRight);
  EXPECT_DOUBLE_EQ(st.settings().beta(), 11);
  st.press(Key::kLeft, /*shift=*/true);
  EXPECT_DOUBLE_EQ(st.settings().beta(), 5.5);
  st.press(Key::k2);
  EXPECT_EQ(st.settings().channel(), 2) << "key 2 shows the channel labelled 2";
  st.press(Key::k7);
  EXPECT_EQ(st.settings().channel(), 2) << "no channel 7: unchanged";
  EXPECT_FALSE(st.error().empty());
  st.press(Key::kA);
  EXPECT_EQ(st.settings().channel(), -1);
  const bool norm = st.settings().normalize();
  st.press(Key::kM);
  EXPECT_EQ(st.settings().normalize(), !norm);
  st.press(Key::kSpace);
  EXPECT_TRUE(st.paused());
  st.press(Key::kN);
  EXPECT_TRUE(st.take_step());
  EXPECT_FALSE(st.take_step());
  st.press(Key::kS);
  EXPECT_TRUE(st.take_request(Request::kScreenshot));
  EXPECT_FALSE(st.take_request(Request::kScreenshot));
  st.press(Key::kV);
  EXPECT_TRUE(st.take_request(Request::kRecordToggle));
  st.press(Key::kF1);
  EXPECT_TRUE(st.show_help());
  // B: the other engine than the one actually running (auto on llvmpipe runs the CPU).
  st.set_engine(Backend::kCpu, "CPU", "software rasteriser");
  st.press(Key::kB);
  EXPECT_EQ(st.settings().backend(), Backend::kGpu);
  st.set_engine(Backend::kGpu, "GPU", "");
  st.press(Key::kB);
  EXPECT_EQ(st.settings().backend(), Backend::kCpu);
  st.set_view(4, 3, 2);
  st.press(Key::kR);
  EXPECT_EQ(st.zoom(), 1);
  EXPECT_EQ(st.pan_x(), 0);
  // Beta stays in range at the ends.
  st.set_beta(kBetaMax);
  st.press(Key::kUp, true);
  EXPECT_EQ(st.settings().beta(), kBetaMax);
}

TEST(ViewerStateTest, EngineLabelsFollowWhatRunsWithoutRedecoding) {
  ViewerState st;
  st.begin_source(0, "a", -1);
  st.set_frame(make_frame(0));
  st.set_engine(Backend::kGpu, "GPU", "");
  decode(st);
  st.set_comparison({true, 0.1, 0.0, 1.0, "CPU"});
  EXPECT_FALSE(st.update_engine(Backend::kGpu, "GPU", ""));
  EXPECT_TRUE(st.update_engine(Backend::kCpu, "CPU", "GPU 2 ms, CPU 0.1 ms: CPU"));
  EXPECT_FALSE(st.needs_decode());
  EXPECT_FALSE(st.comparison().ran) << "the check compared the other engine";
  EXPECT_EQ(st.engine_reason(), "GPU 2 ms, CPU 0.1 ms: CPU");
  st.press(Key::kB);
  EXPECT_EQ(st.settings().backend(), Backend::kGpu) << "B: the engine not running";
}

TEST(ViewerStateTest, NewFrameOrOptionsNeedADecode) {
  ViewerState st;
  EXPECT_FALSE(st.needs_decode());
  st.begin_source(0, "test", -1);
  st.set_frame(make_frame(0));
  EXPECT_TRUE(st.needs_decode());
  decode(st);
  EXPECT_FALSE(st.needs_decode());
  st.set_beta(st.settings().beta() * 2);
  EXPECT_TRUE(st.needs_decode());
  decode(st);
  st.set_beta(st.settings().beta());  // same value: nothing to redo
  EXPECT_FALSE(st.needs_decode());
  st.set_normalize(!st.settings().normalize());
  EXPECT_TRUE(st.needs_decode());
  decode(st);
  st.set_softmax_scale(SoftmaxScale::kLinear);
  EXPECT_TRUE(st.needs_decode()) << "the views are recoloured";
}

TEST(ViewerStateTest, CurveFollowsFrameChannelAndOptions) {
  ViewerState st;
  st.begin_source(0, "test", -1);
  st.set_frame(make_frame(0, 2));
  decode(st);
  EXPECT_TRUE(st.curve_stale());
  st.compute_curve(curve_grid(st));
  EXPECT_FALSE(st.curve_stale());
  const BetaCurve c0 = st.curve();
  ASSERT_EQ(c0.betas.size(), static_cast<std::size_t>(ViewerState::kCurvePoints));
  EXPECT_NEAR(c0.betas.front(), 1e-2, 1e-12);
  EXPECT_NEAR(c0.betas.back(), 1e4, 1e-8);
  EXPECT_TRUE(c0.ground_truth);
  // The curve's last point: error of the reference at beta 1e4, mean over both channels.
  const auto kps =
      reference::decode_all(st.frame()->heatmap.view(), {1e4, st.settings().normalize()});
  const double want = 0.5 * (io::ground_truth_error(*st.frame(), 0, kps[0]) +
                             io::ground_truth_error(*st.frame(), 1, kps[1]));
  EXPECT_NEAR(c0.values.back(), want, 1e-9);
  // A new frame (as when a folder moves on or ends): stale until recomputed.
  st.set_frame(make_frame(1, 2, true, 32, 24, 14, 12));
  EXPECT_TRUE(st.curve_stale());
  st.compute_curve(curve_grid(st));
  EXPECT_EQ(st.curve().frame_index, 1);
  EXPECT_NE(st.curve().values, c0.values) << "the peak moved: low betas pull elsewhere";
  st.set_channel(1);
  EXPECT_TRUE(st.curve_stale());
  st.compute_curve(curve_grid(st));
  st.set_normalize(!st.settings().normalize());
  EXPECT_TRUE(st.curve_stale());
  st.compute_curve(curve_grid(st));
  st.set_beta(3);  // the curve spans all betas: beta alone does not make it stale
  EXPECT_FALSE(st.curve_stale());
  // Without ground truth: distance to the argmax, and it says so.
  st.set_frame(make_frame(2, 2, false));
  st.compute_curve(curve_grid(st));
  EXPECT_FALSE(st.curve().ground_truth);
}

TEST(ViewerStateTest, HistoryResetsOnANewSourceAndSkipsFramesWithoutTruth) {
  ViewerState st;
  st.begin_source(0, "a", -1);
  for (int i = 0; i < 5; ++i) {
    st.set_frame(make_frame(i));
    decode(st);
  }
  EXPECT_EQ(st.error_history().size(), 5u);
  EXPECT_TRUE(st.has_ground_truth());
  st.compute_curve(curve_grid(st));
  st.begin_source(1, "b", -1);
  EXPECT_TRUE(st.error_history().empty());
  EXPECT_EQ(st.frame(), nullptr);
  EXPECT_TRUE(st.keypoints().empty());
  EXPECT_TRUE(st.curve().betas.empty());
  st.set_frame(make_frame(0, 1, false));
  decode(st);
  EXPECT_TRUE(st.error_history().empty()) << "no ground truth: nothing recorded, not 0";
  EXPECT_FALSE(st.has_ground_truth());
  EXPECT_EQ(st.ground_truth_error(0), -1);
  EXPECT_EQ(st.shown_error(), -1);
  // History is capped.
  st.begin_source(2, "c", -1);
  for (std::size_t i = 0; i < ViewerState::kHistoryMax + 10; ++i) {
    st.set_frame(make_frame(static_cast<long>(i)));
    decode(st);
  }
  EXPECT_EQ(st.error_history().size(), ViewerState::kHistoryMax);
}

// Paused, every beta change re-decodes the same source frame: its history entry is
// re-evaluated in place (the error at the new beta), and only a new frame adds one.
TEST(ViewerStateTest, HistoryHasOneEntryPerSourceFrame) {
  ViewerState st;
  st.begin_source(0, "a", -1);
  st.set_frame(make_frame(0));
  decode(st);
  ASSERT_EQ(st.error_history().size(), 1u);
  st.set_paused(true);
  for (double beta : {1.0, 3.0, 30.0, 1000.0}) {
    ASSERT_TRUE(st.set_beta(beta));
    ASSERT_TRUE(st.needs_decode());
    decode(st);
    ASSERT_EQ(st.error_history().size(), 1u) << "beta " << beta;
    EXPECT_FLOAT_EQ(st.error_history().back(), static_cast<float>(st.shown_error()));
  }
  st.set_normalize(!st.settings().normalize());
  decode(st);
  EXPECT_EQ(st.error_history().size(), 1u);
  st.set_frame(make_frame(1));
  decode(st);
  EXPECT_EQ(st.error_history().size(), 2u) << "a new source frame adds its entry";
  // A re-decode of a frame without ground truth keeps the earlier frames' entries.
  st.set_frame(make_frame(2, 1, false));
  decode(st);
  st.set_beta(7);
  decode(st);
  EXPECT_EQ(st.error_history().size(), 2u);
}

TEST(ViewerStateTest, PausedViewerTakesTheFirstFrameOfANewSourceAtOnce) {
  ViewerState st;
  EXPECT_TRUE(st.want_frame(0)) << "no frame yet";
  st.begin_source(0, "a", -1);
  st.set_frame(make_frame(0));
  EXPECT_TRUE(st.want_frame(0)) << "playing";
  st.set_paused(true);
  EXPECT_FALSE(st.want_frame(0)) << "paused: the frame stays";
  st.request_step();
  EXPECT_TRUE(st.want_frame(0)) << "a step takes one frame";
  EXPECT_FALSE(st.want_frame(0));
  EXPECT_TRUE(st.want_frame(1)) << "paused, but a new source opened: its frame replaces the old";
  st.begin_source(1, "b", -1);
  st.set_frame(make_frame(0, 1, false));
  EXPECT_FALSE(st.want_frame(1)) << "and then it stays paused";
  EXPECT_TRUE(st.paused());
}

TEST(ViewerStateTest, SourceStatusSaysWhenAFileStopsShort) {
  ViewerState st;
  st.begin_source(0, "tree.avi", 444);
  EXPECT_EQ(st.source_status(), "");
  for (int i = 0; i < 68; ++i) st.set_frame(make_frame(i));
  st.end_source(68);
  EXPECT_EQ(st.source_status(), "stopped after 68 of 444 frames");
  st.begin_source(1, "folder", 3);
  for (int i = 0; i < 3; ++i) st.set_frame(make_frame(i));
  st.end_source(3);
  EXPECT_EQ(st.source_status(), "end of source (3 frames)");
  EXPECT_EQ(st.frames_shown(), 71);
}

TEST(ViewerStateTest, ErrorsClearAfterALaterSuccessOfTheSameKind) {
  ViewerState st;
  st.report_error(ErrorKind::kSource, "x.mp4: no such file");
  EXPECT_EQ(st.error(), "x.mp4: no such file");
  st.set_beta(7);  // an input success does not clear a source error
  EXPECT_EQ(st.error(), "x.mp4: no such file");
  st.begin_source(3, "synthetic", -1);
  EXPECT_TRUE(st.error().empty()) << "a source that opened clears the source error";
  st.set_frame(make_frame(0));
  st.set_decode_failed("boom");
  EXPECT_NE(st.error().find("boom"), std::string::npos);
  EXPECT_FALSE(st.needs_decode()) << "not retried every UI frame";
  st.set_beta(8);
  decode(st);
  EXPECT_TRUE(st.error().empty());
  st.report_error(ErrorKind::kSave, "cannot write /x.png");
  st.set_saved("/tmp/y.png");
  EXPECT_TRUE(st.error().empty());
}

TEST(ViewImagesTest, MaxOverChannelsAndGrid) {
  const io::Frame f = make_frame(0, 3);
  const HeatmapView m = f.heatmap.view();
  const ViewImage one = heat_image(m, 1, AllChannelsView::kMax);
  EXPECT_EQ(one.width, 32);
  EXPECT_FLOAT_EQ(one.values[8 * 32 + 11], m.at(1, 8, 11));
  EXPECT_FLOAT_EQ(one.hi, 2.0f);
  const ViewImage mx = heat_image(m, -1, AllChannelsView::kMax);
  for (int y = 0; y < 24; ++y)
    for (int x = 0; x < 32; ++x)
      EXPECT_FLOAT_EQ(mx.values[y * 32 + x],
                      std::max({m.at(0, y, x), m.at(1, y, x), m.at(2, y, x)}));
  EXPECT_FLOAT_EQ(mx.hi, 3.0f) << "every channel's peak is in the max view";
  const ViewImage g = heat_image(m, -1, AllChannelsView::kGrid);
  EXPECT_EQ(grid_columns(3), 2);
  EXPECT_EQ(g.width, 2 * 32 + kGridGap);
  EXPECT_EQ(g.height, 2 * 24 + kGridGap);
  ASSERT_EQ(g.tiles.size(), 3u);
  EXPECT_EQ(g.tiles[1].x, 32 + kGridGap);
  EXPECT_EQ(g.tiles[2].y, 24 + kGridGap);
  // Each tile scaled to its own range: every channel's peak is 1.
  for (int c = 0; c < 3; ++c)
    EXPECT_FLOAT_EQ(g.values[(g.tiles[c].y + 8) * g.width + g.tiles[c].x + 10 + c], 1.0f) << c;
}

TEST(ViewImagesTest, SoftmaxRangeIsTheRealP) {
  const io::Frame f = make_frame(0, 2);
  const HeatmapView m = f.heatmap.view();
  const DecodeOptions opt{0.1, false};
  std::vector<std::vector<float>> p(2, std::vector<float>(m.pixels()));
  std::vector<Keypoint> kps;
  std::vector<double> mins;
  for (int c = 0; c < 2; ++c) {
    kps.push_back(reference::decode(m, c, opt));
    mins.push_back(channel_min(m, c));
    for (int y = 0; y < m.height; ++y)
      for (int x = 0; x < m.width; ++x)
        p[c][y * m.width + x] = static_cast<float>(softmax_at(m.at(c, y, x), kps[c], opt));
  }
  const std::vector<const float*> ptr = {p[0].data(), p[1].data()};
  // beta 0.1: p is nearly flat and tiny; the scale says so (no stretching to "1").
  const ViewImage lin =
      softmax_image(ptr, kps, mins, m, 0, AllChannelsView::kMax, SoftmaxScale::kLinear, opt);
  EXPECT_DOUBLE_EQ(lin.p_hi, kps[0].peak_probability);
  EXPECT_LT(lin.p_hi, 0.01);
  EXPECT_EQ(lin.p_lo, 0.0);
  EXPECT_FLOAT_EQ(lin.hi, static_cast<float>(kps[0].peak_probability));
  const ViewImage lg =
      softmax_image(ptr, kps, mins, m, -1, AllChannelsView::kMax, SoftmaxScale::kLog, opt);
  EXPECT_DOUBLE_EQ(lg.p_hi, std::max(kps[0].peak_probability, kps[1].peak_probability));
  EXPECT_GT(lg.p_lo, 0.0);
  EXPECT_LT(lg.p_lo, lg.p_hi);
  EXPECT_FALSE(lg.p_clipped);
  // The log floor is the smallest p of the map (the bar's bottom label is the true minimum)
  // when that is at most 12 decades below the peak, even when it is close to the peak.
  const DecodeOptions mid{10, false};
  const Keypoint km = reference::decode(m, 0, mid);
  EXPECT_NEAR(log_scale_floor(km, mins[0], mid), softmax_at(mins[0], km, mid), 1e-15);
  EXPECT_NEAR(log_scale_floor(kps[0], mins[0], opt), softmax_at(mins[0], kps[0], opt), 1e-15);
  const DecodeOptions sharp{1e6, true};
  const Keypoint ks = reference::decode(m, 0, sharp);
  EXPECT_NEAR(log_scale_floor(ks, mins[0], sharp), ks.peak_probability * 1e-12,
              ks.peak_probability * 1e-15);
  const ViewImage grid =
      softmax_image(ptr, kps, mins, m, -1, AllChannelsView::kGrid, SoftmaxScale::kLinear, opt);
  EXPECT_TRUE(grid.per_tile_scale);
  EXPECT_EQ(grid.hi, 1.0f);
}

// A source opened later (a drop, the Open button) gets the command line's options: here the
// synthetic scene's size and frame count stand for --transform and --model, which travel in
// the same SourceOptions.
TEST(SourceWorkerTest, OpenedSourcesKeepTheCommandLineOptions) {
  io::SourceOptions so;
  so.synthetic.width = 40;
  so.synthetic.height = 30;
  so.synthetic.frames = 3;
  SourceWorker w(/*paced=*/false, 30, so);
  w.open("synthetic");
  long gen = -1;
  int n = 0;
  while (auto f = w.take(5.0)) {
    EXPECT_EQ(f->frame.heatmap.width(), 40);
    EXPECT_EQ(f->frame.heatmap.height(), 30);
    gen = f->generation;
    ++n;
  }
  EXPECT_EQ(n, 3);
  EXPECT_EQ(gen, 0);
  SourceInfo info = w.info();
  EXPECT_TRUE(info.finished);
  EXPECT_EQ(info.frames_read, 3);
  EXPECT_EQ(info.frame_count, 3);
  // A second source: a new generation, its frames tagged with it.
  w.open("synthetic");
  auto f = w.take(5.0);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->generation, 1);
  EXPECT_EQ(w.generation(), 1);
  // A source that does not open: an error naming it, the old source stays.
  w.open("/nonexistent/clip.mp4");
  std::string err;
  for (int i = 0; i < 100 && err.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    err = w.take_error();
  }
  EXPECT_NE(err.find("/nonexistent/clip.mp4"), std::string::npos) << err;
  EXPECT_EQ(w.generation(), 1);
}

// Each frame is held at least the hold time (an image folder at a chosen rate).
TEST(SourceWorkerTest, HoldKeepsEachFrameAtLeastThatLong) {
  io::SourceOptions so;
  so.synthetic.width = 16;
  so.synthetic.height = 16;
  so.synthetic.frames = 4;
  SourceWorker w(/*paced=*/true, 240, so);
  w.set_hold(0.15);
  const auto t0 = std::chrono::steady_clock::now();
  w.open("synthetic");
  int n = 0;
  while (n < 4 && w.take(5.0)) ++n;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(n, 4);
  EXPECT_GE(s, 3 * 0.15) << "four frames, three holds between them at least";
}

TEST(RecorderTest, WritesAnMp4OnlyWhenFinished) {
  const fs::path dir =
      fs::temp_directory_path() / ("peakscope_vs_rec_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "clip.mp4").string();
  {
    Recorder r;
    r.start(path, 65, 49, 10);  // odd sizes are trimmed to even
    for (int i = 0; i < 6; ++i) r.add(cv::Mat(49, 65, CV_8UC3, cv::Scalar(i * 40, 0, 0)));
    r.add(cv::Mat(100, 100, CV_8UC3, cv::Scalar(0, 0, 0)));  // a resized window: scaled
    EXPECT_FALSE(fs::exists(path)) << "not under its name before it is finished";
    EXPECT_EQ(r.stop(), path);
  }
  cv::VideoCapture cap(path);
  ASSERT_TRUE(cap.isOpened());
  EXPECT_EQ(cap.get(cv::CAP_PROP_FRAME_WIDTH), 64);
  EXPECT_EQ(cap.get(cv::CAP_PROP_FRAME_HEIGHT), 48);
  int n = 0;
  cv::Mat f;
  while (cap.read(f)) ++n;
  EXPECT_EQ(n, 7);
  // Real time: at 10 fps, frames at t = 0, 0.01 (early: skipped), 0.1, 0.5 (late: repeated).
  const std::string timed = (dir / "timed.mp4").string();
  {
    Recorder r;
    r.start(timed, 64, 48, 10);
    for (double t : {0.0, 0.01, 0.1, 0.5})
      r.add_at(cv::Mat(48, 64, CV_8UC3, cv::Scalar(0, 0, 0)), t);
    EXPECT_EQ(r.frames(), 6);
    r.stop();
  }
  const std::string dropped = (dir / "dropped.mp4").string();
  {
    Recorder r;
    r.start(dropped, 64, 48, 10);
    r.add(cv::Mat(48, 64, CV_8UC3, cv::Scalar(0, 0, 0)));
  }  // never stopped (a crash, a kill): nothing under the name, no part file left
  EXPECT_FALSE(fs::exists(dropped));
  EXPECT_FALSE(fs::exists(dropped + ".part.mp4"));
  Recorder bad;
  EXPECT_THROW(bad.start("/nonexistent/dir/x.mp4", 64, 48, 10), std::runtime_error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace peakscope::viewer
