// The live stream: the message validation (core/io/stream_message.hpp) on good and malformed
// messages, and the receiver (core/io/stream_source.hpp) over real ZeroMQ sockets: bad
// messages counted and skipped, the newest frame kept, the back-channel, one receiver per
// endpoint, the idle timeout and interrupt.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>
#include <zmq.hpp>

#include "core/io/stream_message.hpp"
#include "core/io/stream_source.hpp"
#include "tests/support/temp.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string bytes_of(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

// A K x H x W float32 ramp: value = c * 100 + y * 10 + x.
std::vector<float> ramp(int k, int h, int w) {
  std::vector<float> v;
  for (int c = 0; c < k; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) v.push_back(static_cast<float>(c * 100 + y * 10 + x));
  return v;
}

Json header(std::vector<int> shape, const char* dtype = "float32") {
  return {{"peakscope", 1}, {"shape", shape}, {"dtype", dtype}};
}

Frame parse(const Json& h, const std::string& maps, const std::string* image = nullptr) {
  const std::string text = h.dump();
  std::vector<std::string_view> parts{text, maps};
  if (image) parts.emplace_back(*image);
  return parse_stream_message(parts);
}

// The message `h` + `maps` is refused with a reason containing `why`.
void expect_refused(const std::vector<std::string>& parts, const std::string& why) {
  std::vector<std::string_view> v(parts.begin(), parts.end());
  try {
    parse_stream_message(v);
    ADD_FAILURE() << "accepted; expected: " << why;
  } catch (const StreamMessageError& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
}
void expect_refused(const Json& h, const std::string& maps, const std::string& why) {
  expect_refused({h.dump(), maps}, why);
}

TEST(StreamMessage, ReadsAFrameWithEverything) {
  Json h = header({2, 3, 4});
  h["step"] = 17;
  h["time"] = 12.5;
  h["dropped"] = 3;
  h["names"] = {"nose", "eye"};
  h["skeleton"] = {{0, 1}};
  h["ground_truth"] = {{1.5, 2}, nullptr};
  h["image"] = {{"shape", {6, 8, 3}}, {"dtype", "uint8"}};
  std::string img(6 * 8 * 3, '\0');
  img[0] = 10, img[1] = 20, img[2] = 30;  // RGB of pixel (0, 0)
  const Frame f = parse(h, bytes_of(ramp(2, 3, 4)), &img);
  ASSERT_EQ(f.heatmap.channels(), 2);
  ASSERT_EQ(f.heatmap.height(), 3);
  ASSERT_EQ(f.heatmap.width(), 4);
  EXPECT_EQ(f.heatmap.type(), ElemType::kFloat32);
  EXPECT_EQ(f.heatmap.view().at(1, 2, 3), 123.0f);
  EXPECT_EQ(f.input_dtype, "float32");
  ASSERT_TRUE(f.stream);
  EXPECT_EQ(f.stream->step, 17);
  EXPECT_EQ(f.stream->sent_time, 12.5);
  EXPECT_EQ(f.stream->sender_dropped, 3);
  EXPECT_EQ(f.names, (std::vector<std::string>{"nose", "eye"}));
  ASSERT_EQ(f.skeleton.size(), 1u);
  EXPECT_EQ(f.skeleton[0], (std::pair<int, int>{0, 1}));
  ASSERT_EQ(f.ground_truth.size(), 2u);
  ASSERT_EQ(f.ground_truth[0].size(), 1u);
  EXPECT_EQ(f.ground_truth[0][0].x, 1.5);
  EXPECT_TRUE(f.ground_truth[1].empty());
  ASSERT_EQ(f.image.rows, 6);
  ASSERT_EQ(f.image.cols, 8);
  EXPECT_EQ(f.image.at<cv::Vec3b>(0, 0), cv::Vec3b(30, 20, 10));  // BGR
  EXPECT_EQ(f.image_scale_x, 2.0);                                // 8 / 4
  EXPECT_EQ(f.image_scale_y, 2.0);                                // 6 / 3
}

TEST(StreamMessage, StrideAndOffsetPlaceTheGrid) {
  Json h = header({3, 4});
  h["image"] = {{"shape", {13, 17}}, {"dtype", "float32"}};
  h["stride"] = 4;
  h["offset"] = {0.5, -1};
  const std::string img = bytes_of(std::vector<float>(13 * 17, 0.5f));
  const Frame f = parse(h, bytes_of(ramp(1, 3, 4)), &img);
  EXPECT_EQ(f.image_scale_x, 4.0);
  EXPECT_EQ(f.image_scale_y, 4.0);
  EXPECT_EQ(f.image_offset_x, 0.5);
  EXPECT_EQ(f.image_offset_y, -1.0);
  EXPECT_EQ(f.image.at<cv::Vec3b>(5, 5), cv::Vec3b(128, 128, 128));  // [0, 1] floats x 255
}

TEST(StreamMessage, ConvertsEveryDtypeAndHonoursStrides) {
  // float64 -> float32, narrowed beyond float32's range.
  std::vector<double> d{1.5, -2, 1e300, 4};
  Frame f = parse(header({2, 2}, "float64"),
                  std::string(reinterpret_cast<const char*>(d.data()), d.size() * 8));
  EXPECT_EQ(f.heatmap.view().at(0, 0, 0), 1.5f);
  EXPECT_TRUE(std::isinf(f.heatmap.view().at(0, 1, 0)));
  EXPECT_TRUE(f.narrowed);
  EXPECT_EQ(f.input_dtype, "float64");
  // float16: 1.0 = 0x3c00, -2.0 = 0xc000, 0.5 = 0x3800, a subnormal 2^-24 = 0x0001.
  std::vector<std::uint16_t> half{0x3c00, 0xc000, 0x3800, 0x0001};
  f = parse(header({1, 2, 2}, "float16"),
            std::string(reinterpret_cast<const char*>(half.data()), 8));
  EXPECT_EQ(f.heatmap.view().at(0, 0, 0), 1.0f);
  EXPECT_EQ(f.heatmap.view().at(0, 0, 1), -2.0f);
  EXPECT_EQ(f.heatmap.view().at(0, 1, 0), 0.5f);
  EXPECT_EQ(f.heatmap.view().at(0, 1, 1), std::ldexp(1.0f, -24));
  // uint8 stays uint8.
  f = parse(header({2, 3}, "uint8"), std::string("\x01\x02\x03\x04\x05\xff", 6));
  EXPECT_EQ(f.heatmap.type(), ElemType::kUInt8);
  EXPECT_EQ(f.heatmap.view().at(0, 1, 2), 255.0f);
  // A transposed 2 x 3 float32 view of a 3 x 2 buffer: strides (4, 8).
  Json h = header({2, 3});
  h["strides"] = {4, 8};
  f = parse(h, bytes_of({0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(f.heatmap.view().at(0, 0, 1), 2.0f);  // element [x=1][y=0] of the buffer
  EXPECT_EQ(f.heatmap.view().at(0, 1, 2), 5.0f);
}

TEST(StreamMessage, RefusesMalformedHeaders) {
  const std::string maps = bytes_of(ramp(1, 2, 2));
  expect_refused({"{not json", maps}, "not JSON");
  expect_refused({"[1, 2]", maps}, "must be a JSON object");
  expect_refused(Json{{"shape", {2, 2}}, {"dtype", "float32"}}, maps, "protocol version");
  Json h = header({2, 2});
  h["peakscope"] = 2;
  expect_refused(h, maps, "protocol version 2 is not supported");
  expect_refused(header({2, 2}, "int32"), maps, "'int32' is not one of");
  h = header({2, 2});
  h["dtype"] = 7;
  expect_refused(h, maps, "dtype must be a string");
  h = header({2, 2});
  h["shape"] = "2x2";
  expect_refused(h, maps, "shape must be an array");
  expect_refused(header({2}), maps, "1 dimensions; expected 2 to 3");
  expect_refused(header({1, 1, 2, 2}), maps, "4 dimensions");
  expect_refused(header({0, 2}), maps, "shape[0] is 0");
  expect_refused(header({-2, 2}), maps, "is negative");
  h = header({2, 2});
  h["shape"] = {2.5, 2};
  expect_refused(h, maps, "shape[0] must be an integer");
  expect_refused({std::string(2 << 20, ' '), maps}, "exceeds the limit");
}

TEST(StreamMessage, RefusesHugeClaimsBeforeAllocating) {
  // 1e9 elements (4 GB as float32) against a 16-byte buffer: refused on the claim alone.
  expect_refused(header({1000, 1000, 1000}), bytes_of(ramp(1, 2, 2)), "claims more than");
  // Dimensions whose product overflows 64 bits.
  expect_refused(header({65536, 65536, 65536}), "", "claims more than");
  Json h = header({2, 2});
  h["shape"] = {std::uint64_t{1} << 63, 2};
  expect_refused(h, "", "exceeds the limit");
  // Within the element limit but over the byte limit for float64 is refused too.
  StreamLimits lim;
  lim.max_bytes = 64;
  const std::string text = header({4, 4}, "float64").dump(), buf(128, '\0');
  const std::string_view parts[] = {text, buf};
  EXPECT_THROW(parse_stream_message(parts, lim), StreamMessageError);
}

TEST(StreamMessage, RefusesWrongSizesAndStrides) {
  expect_refused(header({2, 3}), bytes_of(ramp(1, 2, 2)),
                 "has 16 bytes; its shape and dtype need 24");
  expect_refused(header({2, 2}), bytes_of(ramp(1, 2, 3)), "has 24 bytes");
  Json h = header({2, 2});
  h["strides"] = {8, 4, 4};
  expect_refused(h, bytes_of(ramp(1, 2, 2)), "strides must be an array of 2");
  h["strides"] = {0, 4};
  expect_refused(h, bytes_of(ramp(1, 2, 2)), "not a positive multiple");
  h["strides"] = {8, 3};
  expect_refused(h, bytes_of(ramp(1, 2, 2)), "not a positive multiple");
  h["strides"] = {64, 4};
  expect_refused(h, bytes_of(ramp(1, 2, 2)), "needs 72 bytes for its shape and strides, got 16");
  // The image's own sizes.
  h = header({2, 2});
  h["image"] = {{"shape", {4, 4, 3}}, {"dtype", "uint8"}};
  expect_refused({h.dump(), bytes_of(ramp(1, 2, 2)), std::string(47, '\0')}, "image has 47 bytes");
  h["image"] = {{"shape", {4, 4, 4}}, {"dtype", "uint8"}};
  expect_refused({h.dump(), bytes_of(ramp(1, 2, 2)), std::string(64, '\0')}, "4 channels last");
  h["image"] = {{"shape", {4, 4}}, {"dtype", "bool"}};
  expect_refused({h.dump(), bytes_of(ramp(1, 2, 2)), std::string(16, '\0')}, "image dtype 'bool'");
}

TEST(StreamMessage, RefusesTruncatedAndOverlongMultipart) {
  const std::string text = header({2, 2}).dump();
  expect_refused(std::vector<std::string>{}, "empty message");
  expect_refused({text}, "truncated message");
  Json h = header({2, 2});
  h["image"] = {{"shape", {2, 2}}, {"dtype", "uint8"}};
  expect_refused({h.dump(), bytes_of(ramp(1, 2, 2))}, "truncated message: 2 parts");
  expect_refused({text, bytes_of(ramp(1, 2, 2)), "x"}, "extra parts");
}

TEST(StreamMessage, RefusesBadTypesInTheOptionalFields) {
  const std::string maps = bytes_of(ramp(2, 2, 2));
  auto with = [](const char* key, Json v) {
    Json h = header({2, 2, 2});
    h[key] = std::move(v);
    return h;
  };
  expect_refused(with("step", "seven"), maps, "step must be an integer");
  expect_refused(with("time", "now"), maps, "time must be a number");
  expect_refused(with("dropped", -1), maps, "dropped = -1 is negative");
  expect_refused(with("names", "nose"), maps, "names must be a list");
  expect_refused(with("names", {"a", "b", "c"}), maps, "at most 2 strings");
  expect_refused(with("names", {"a", 3}), maps, "names must be strings");
  expect_refused(with("skeleton", {{0, 2}}), maps, "outside 0..1");
  expect_refused(with("skeleton", {{0}}), maps, "[a, b] channel pairs");
  expect_refused(with("ground_truth", {{1, 2}, {3, 4}, {5, 6}}), maps, "at most 2 entries");
  expect_refused(with("ground_truth", {"here", nullptr}), maps, "ground_truth[0] must be");
  expect_refused(with("ground_truth", {{1, "y"}}), maps, "ground_truth[0] y must be a number");
  expect_refused(with("stride", -4), maps, "stride must be > 0");
  expect_refused(with("stride", {1, 2, 3}), maps, "stride must be a number or [x, y]");
  expect_refused(with("offset", "left"), maps, "offset must be a number or [x, y]");
  expect_refused(with("image", 5), maps, "image must be an object");
}

// ---- The receiver over real sockets ---------------------------------------------------

struct Sender {
  zmq::context_t ctx{1};
  zmq::socket_t push{ctx, zmq::socket_type::push};
  explicit Sender(const std::string& ep) {
    push.set(zmq::sockopt::linger, 1000);
    push.connect(ep);
  }
  void send(const std::vector<std::string>& parts) {
    for (std::size_t i = 0; i < parts.size(); ++i)
      push.send(zmq::buffer(parts[i]),
                i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  void frame(long step) {
    Json h = header({1, 2, 2});
    h["step"] = step;
    h["time"] = 1.0;
    send({h.dump(), bytes_of(ramp(1, 2, 2))});
  }
};

std::string endpoint(const std::string& name) {
  return "ipc://" + peakscope::testing::temp_path("stream_" + name).string();
}

StreamOptions quick(bool newest = false) {
  StreamOptions o;
  o.newest_only = newest;
  o.idle_timeout_s = 5;
  return o;
}

TEST(StreamSource, SkipsBadMessagesAndCountsThem) {
  const std::string ep = endpoint("bad");
  auto src = make_stream_source("stream:" + ep, quick());
  EXPECT_NE(src->status().find("waiting for frames on " + ep), std::string::npos) << src->status();
  Sender s(ep);
  s.send({"{bad", "xx"});
  s.send({header({1000, 1000, 1000}).dump(), "tiny"});
  s.frame(5);
  const std::optional<Frame> f = src->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->stream->step, 5);
  EXPECT_EQ(f->stream->bad, 2);
  EXPECT_NE(f->stream->last_bad.find("claims more than"), std::string::npos);
  EXPECT_NE(src->warning().find("2 malformed message(s)"), std::string::npos) << src->warning();
  EXPECT_NE(src->status().find("1 frames received"), std::string::npos) << src->status();
}

TEST(StreamSource, KeepsEveryFrameOrOnlyTheNewest) {
  {
    const std::string ep = endpoint("all");
    auto src = make_stream_source("stream:" + ep, quick());
    Sender s(ep);
    for (long i = 0; i < 5; ++i) s.frame(i);
    for (long i = 0; i < 5; ++i) {
      const std::optional<Frame> f = src->next();
      ASSERT_TRUE(f);
      EXPECT_EQ(f->stream->step, i);
    }
    // Straight into caller memory (the CLI's path into an engine's slot): shape first.
    s.send({"{bad", "x"});
    s.frame(5);
    const std::optional<FrameShape> shape = src->next_shape();
    ASSERT_TRUE(shape);
    EXPECT_EQ(*shape, (FrameShape{ElemType::kFloat32, 2, 2, 1}));
    Heatmap wrong(3, 2, 1, ElemType::kFloat32);
    EXPECT_THROW(src->next_into(wrong.mutable_view()), std::invalid_argument);
    s.frame(6);
    Heatmap m(2, 2, 1, ElemType::kFloat32);
    const std::optional<Frame> f = src->next_into(m.mutable_view());
    ASSERT_TRUE(f);
    EXPECT_EQ(f->stream->step, 6);
    EXPECT_EQ(f->heatmap.width(), 0);
    EXPECT_EQ(m.view().at(0, 1, 1), 11.0f);
    EXPECT_EQ(f->stream->bad, 1);
  }
  const std::string ep = endpoint("newest");
  auto src = make_stream_source("stream:" + ep, quick(/*newest=*/true));
  Sender s(ep);
  for (long i = 0; i < 4; ++i) s.frame(i);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all four are waiting
  const std::optional<Frame> f = src->next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->stream->step, 3);
  EXPECT_EQ(f->stream->skipped, 3);
  EXPECT_NE(src->status().find("3 skipped for newer"), std::string::npos) << src->status();
  // Bad messages among those skipped are still counted as malformed, never as skipped.
  s.frame(10);
  s.send({"{bad", "x"});
  s.frame(11);
  s.send({header({2, 2}, "int64").dump(), std::string(32, '\0')});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::optional<Frame> g = src->next();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->stream->step, 11);
  EXPECT_EQ(g->stream->skipped, 4);
  EXPECT_EQ(g->stream->bad, 2);
  EXPECT_NE(g->stream->last_bad.find("'int64' is not one of"), std::string::npos);
}

TEST(StreamSource, PublishesKeypointsOnTheBackChannel) {
  const std::string ep = endpoint("reply");
  auto src = make_stream_source("stream:" + ep, quick());
  zmq::context_t ctx{1};
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::subscribe, "");
  sub.set(zmq::sockopt::rcvtimeo, 5000);
  sub.connect(ep + "-state");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the subscription arrives
  Sender s(ep);
  s.frame(42);
  const std::optional<Frame> f = src->next();
  ASSERT_TRUE(f);
  Keypoint k;
  k.soft_x = 1.25, k.soft_y = 0.5, k.argmax_x = 1, k.argmax_y = 1, k.valid = true;
  publish_decoded(*f, {k}, {{"beta", 33.0}});
  zmq::message_t m;
  ASSERT_TRUE(sub.recv(m));
  const Json j = Json::parse(m.to_string());
  EXPECT_EQ(j["state"]["beta"], 33.0);
  EXPECT_EQ(j["frame"]["step"], 42);
  EXPECT_EQ(j["frame"]["sent"], 1.0);
  EXPECT_EQ(j["frame"]["keypoints"][0]["x"], 1.25);
}

TEST(StreamSource, OneReceiverPerEndpoint) {
  const std::string ep = endpoint("twice");
  auto first = make_stream_source("stream:" + ep, quick());
  try {
    make_stream_source("stream:" + ep, quick());
    FAIL() << "a second receiver bound the same endpoint";
  } catch (const SourceError& e) {
    EXPECT_NE(std::string(e.what()).find("another peakscope is already listening"),
              std::string::npos)
        << e.what();
  }
  // The first one still receives.
  Sender s(ep);
  s.frame(1);
  EXPECT_TRUE(first->next());
  // Once it is gone, the endpoint is free again.
  first.reset();
  EXPECT_NO_THROW(make_stream_source("stream:" + ep, quick()));
}

TEST(StreamSource, EndsOnIdleTimeoutOrInterrupt) {
  StreamOptions o;
  o.idle_timeout_s = 0.2;
  auto src = make_stream_source("stream:" + endpoint("idle"), o);
  EXPECT_FALSE(src->next());
  EXPECT_EQ(src->ended_short(), "no frame for 0.2 s");
  auto waiting = make_stream_source("stream:" + endpoint("interrupt"), StreamOptions{});
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    waiting->interrupt();
  });
  EXPECT_FALSE(waiting->next());  // returns although no frame came and no timeout was set
  stopper.join();
}

TEST(StreamSource, EndpointsAndTheirSecurity) {
  EXPECT_EQ(parse_stream_spec("stream:5555", false).frames, "tcp://127.0.0.1:5555");
  EXPECT_EQ(parse_stream_spec("stream:5555", false).state, "tcp://127.0.0.1:5556");
  EXPECT_EQ(parse_stream_spec("stream:ipc:///a/b", false).state, "ipc:///a/b-state");
  EXPECT_EQ(parse_stream_spec("stream:ipc:///a/b", false).lock, "/a/b.lock");
  EXPECT_THROW(parse_stream_spec("stream:tcp://0.0.0.0:5555", false), SourceError);
  EXPECT_NO_THROW(parse_stream_spec("stream:tcp://0.0.0.0:5555", true));
  EXPECT_THROW(parse_stream_spec("stream:tcp://127.0.0.1:0", false), SourceError);
  EXPECT_THROW(parse_stream_spec("stream:udp://x", false), SourceError);
  EXPECT_THROW(parse_stream_spec("stream:ipc://relative", false), SourceError);
  // The default endpoint's folder: made 0700 when missing, refused when open to others.
  const fs::path run = peakscope::testing::temp_path("stream_runtime");
  fs::create_directories(run);
  const char* old = std::getenv("XDG_RUNTIME_DIR");
  const std::string saved = old ? old : "";
  ::setenv("XDG_RUNTIME_DIR", run.c_str(), 1);
  EXPECT_EQ(default_stream_endpoint(), "ipc://" + (run / "peakscope" / "live").string());
  struct stat st {};
  ASSERT_EQ(::stat((run / "peakscope").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ::chmod((run / "peakscope").c_str(), 0755);
  EXPECT_THROW(default_stream_endpoint(), SourceError);
  if (old)
    ::setenv("XDG_RUNTIME_DIR", saved.c_str(), 1);
  else
    ::unsetenv("XDG_RUNTIME_DIR");
  fs::remove_all(run);
}

}  // namespace
}  // namespace peakscope::io
