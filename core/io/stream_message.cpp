#include "core/io/stream_message.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "core/io/stream_source.hpp"

namespace peakscope::io {
namespace {

using Json = nlohmann::json;

[[noreturn]] void bad(const std::string& why) {
  throw StreamMessageError(why);
}

enum class Dtype { kFloat32, kFloat16, kFloat64, kUInt8 };

struct DtypeName {
  const char* name;
  Dtype type;
  std::size_t size;
};
constexpr DtypeName kDtypes[] = {{"float32", Dtype::kFloat32, 4},
                                 {"float16", Dtype::kFloat16, 2},
                                 {"float64", Dtype::kFloat64, 8},
                                 {"uint8", Dtype::kUInt8, 1}};

const DtypeName& parse_dtype(const Json& j, const char* field) {
  if (!j.is_string()) bad(std::string(field) + " must be a string");
  const std::string s = j.get<std::string>();
  for (const DtypeName& d : kDtypes)
    if (s == d.name) return d;
  bad(std::string(field) + " '" + s.substr(0, 40) +
      "' is not one of float32, float16, float64, uint8");
}

// A non-negative integer that fits `max`, from a JSON number (integers only).
std::size_t parse_size(const Json& j, const std::string& what, std::size_t max) {
  if (!j.is_number_integer()) bad(what + " must be an integer");
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    if (v > max)
      bad(what + " = " + std::to_string(v) + " exceeds the limit " + std::to_string(max));
    return static_cast<std::size_t>(v);
  }
  const auto v = j.get<std::int64_t>();
  if (v < 0) bad(what + " = " + std::to_string(v) + " is negative");
  if (static_cast<std::uint64_t>(v) > max)
    bad(what + " = " + std::to_string(v) + " exceeds the limit " + std::to_string(max));
  return static_cast<std::size_t>(v);
}

// An array's shape and byte strides, checked against its buffer: every dimension > 0, the
// element count and byte size within the limits, every stride > 0 and the last element inside
// the buffer. Strides default to C order.
struct Layout {
  std::vector<std::size_t> shape, strides;
  const DtypeName* dtype = nullptr;
};

Layout parse_layout(const Json& obj, const std::string& what, std::string_view buffer,
                    std::size_t min_dims, std::size_t max_dims, const StreamLimits& lim) {
  Layout l;
  l.dtype = &parse_dtype(obj.contains("dtype") ? obj["dtype"] : Json(), (what + " dtype").c_str());
  if (!obj.contains("shape") || !obj["shape"].is_array())
    bad(what + " shape must be an array of integers");
  const Json& sh = obj["shape"];
  if (sh.size() < min_dims || sh.size() > max_dims)
    bad(what + " shape has " + std::to_string(sh.size()) + " dimensions; expected " +
        std::to_string(min_dims) + (min_dims == max_dims ? "" : " to " + std::to_string(max_dims)));
  std::size_t elements = 1;
  for (std::size_t i = 0; i < sh.size(); ++i) {
    const std::size_t d = parse_size(sh[i], what + " shape[" + std::to_string(i) + "]",
                                     static_cast<std::size_t>(lim.max_side) * lim.max_side);
    if (d == 0) bad(what + " shape[" + std::to_string(i) + "] is 0");
    if (elements > lim.max_elements / d)  // checked before multiplying: no overflow
      bad(what + " claims more than " + std::to_string(lim.max_elements) + " elements");
    elements *= d;
    l.shape.push_back(d);
  }
  const std::size_t item = l.dtype->size;
  if (elements > lim.max_bytes / item)
    bad(what + " claims more than " + std::to_string(lim.max_bytes) + " bytes");
  // Strides: C order unless given.
  l.strides.assign(l.shape.size(), item);
  for (std::size_t i = l.shape.size() - 1; i > 0; --i) l.strides[i - 1] = l.strides[i] * l.shape[i];
  if (obj.contains("strides") && !obj["strides"].is_null()) {
    const Json& st = obj["strides"];
    if (!st.is_array() || st.size() != l.shape.size())
      bad(what + " strides must be an array of " + std::to_string(l.shape.size()) + " integers");
    for (std::size_t i = 0; i < st.size(); ++i) {
      l.strides[i] = parse_size(st[i], what + " strides[" + std::to_string(i) + "]", lim.max_bytes);
      if (l.strides[i] == 0 || l.strides[i] % item)
        bad(what + " strides[" + std::to_string(i) + "] = " + std::to_string(l.strides[i]) +
            " is not a positive multiple of the element size " + std::to_string(item));
    }
  }
  if (!obj.contains("strides") || obj["strides"].is_null()) {
    if (buffer.size() != elements * item)
      bad(what + " has " + std::to_string(buffer.size()) + " bytes; its shape and dtype need " +
          std::to_string(elements * item));
    return l;
  }
  std::size_t last = 0;  // byte offset of the last element; each term < max_bytes, no overflow
  for (std::size_t i = 0; i < l.shape.size(); ++i) last += (l.shape[i] - 1) * l.strides[i];
  if (last > lim.max_bytes || last + item > buffer.size())
    bad(what + " needs " + std::to_string(last + item) + " bytes for its shape and strides, got " +
        std::to_string(buffer.size()));
  return l;
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ffu, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);  // Inf, NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    exp = 113;
    while (!(man & 0x400u)) man <<= 1, --exp;
    bits = sign | (exp << 23) | ((man & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Element (index i of a 3-d layout [k][y][x], or 2-d [y][x]) as a double.
double element(const char* base, const DtypeName& d) {
  switch (d.type) {
    case Dtype::kFloat32: {
      float v;
      std::memcpy(&v, base, 4);
      return v;
    }
    case Dtype::kFloat64: {
      double v;
      std::memcpy(&v, base, 8);
      return v;
    }
    case Dtype::kFloat16: {
      std::uint16_t v;
      std::memcpy(&v, base, 2);
      return half_to_float(v);
    }
    case Dtype::kUInt8:
      return static_cast<unsigned char>(*base);
  }
  return 0;
}

// The heatmap written into dst (any strides; its shape checked by the caller): uint8 kept,
// every float type as float32 (narrowed: float64 values beyond float32's range became +-Inf, as
// core/io/npy.cpp does). Row by row: a dense float32/uint8 row is one memcpy.
void write_heatmap(const Layout& l, std::string_view buf, const MutableHeatmapView& dst,
                   bool& narrowed) {
  const bool three = l.shape.size() == 3;
  const std::size_t sk = three ? l.strides[0] : 0, sy = l.strides[three ? 1 : 0],
                    sx = l.strides[three ? 2 : 1];
  const bool u8 = l.dtype->type == Dtype::kUInt8;
  const bool rows_dense = sx == l.dtype->size && (u8 || l.dtype->type == Dtype::kFloat32);
  const char* base = buf.data();
  for (int c = 0; c < dst.channels; ++c)
    for (int y = 0; y < dst.height; ++y) {
      const char* row = base + c * sk + y * sy;
      void* out = u8 ? static_cast<void*>(dst.row_u8(c, y)) : static_cast<void*>(dst.row_f32(c, y));
      if (rows_dense) {
        std::memcpy(out, row, static_cast<std::size_t>(dst.width) * l.dtype->size);
        continue;
      }
      for (int x = 0; x < dst.width; ++x) {
        const char* p = row + x * sx;
        if (u8) {
          static_cast<std::uint8_t*>(out)[x] = static_cast<std::uint8_t>(*p);
        } else {
          const double v = element(p, *l.dtype);
          const float f = static_cast<float>(v);
          if (std::isinf(f) && !std::isinf(v)) narrowed = true;
          static_cast<float*>(out)[x] = f;
        }
      }
    }
}

FrameShape shape_of(const Layout& l) {
  const bool three = l.shape.size() == 3;
  return {l.dtype->type == Dtype::kUInt8 ? ElemType::kUInt8 : ElemType::kFloat32,
          static_cast<int>(l.shape.back()), static_cast<int>(l.shape[l.shape.size() - 2]),
          three ? static_cast<int>(l.shape[0]) : 1};
}

// The image as BGR uint8: H x W grey or H x W x 3 RGB (or "bgr" order); uint8 as is, floats
// x 255 when all within [0, 1], otherwise scaled from their min..max.
cv::Mat read_image(const Json& meta, std::string_view buf, const StreamLimits& lim, bool pixels) {
  const Layout l = parse_layout(meta, "image", buf, 2, 3, lim);
  if (l.shape.size() == 3 && l.shape[2] != 3 && l.shape[2] != 1)
    bad("image shape must be H x W, H x W x 1 or H x W x 3; got " + std::to_string(l.shape[2]) +
        " channels last");
  std::string order = "rgb";
  if (meta.contains("order")) {
    if (!meta["order"].is_string()) bad("image order must be \"rgb\" or \"bgr\"");
    order = meta["order"].get<std::string>();
    if (order != "rgb" && order != "bgr") bad("image order must be \"rgb\" or \"bgr\"");
  }
  const int h = static_cast<int>(l.shape[0]), w = static_cast<int>(l.shape[1]);
  const int ch = l.shape.size() == 3 ? static_cast<int>(l.shape[2]) : 1;
  if (l.shape[0] > static_cast<std::size_t>(lim.max_side) ||
      l.shape[1] > static_cast<std::size_t>(lim.max_side))
    bad("image is larger than " + std::to_string(lim.max_side) + " pixels on a side");
  if (!pixels) return {};
  const std::size_t sc = l.shape.size() == 3 ? l.strides[2] : 0;
  auto at = [&](int y, int x, int c) {
    return element(buf.data() + y * l.strides[0] + x * l.strides[1] + c * sc, *l.dtype);
  };
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  if (l.dtype->type != Dtype::kUInt8)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < ch; ++c)
          if (const double e = at(y, x, c); std::isfinite(e))
            lo = std::min(lo, e), hi = std::max(hi, e);
  double scale = 1, shift = 0;
  if (l.dtype->type != Dtype::kUInt8 && lo <= hi) {
    if (lo >= 0 && hi <= 1)
      scale = 255;
    else if (hi > lo)
      scale = 255 / (hi - lo), shift = -lo;
  }
  cv::Mat out(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto px = [&](int c) {
        const double e = at(y, x, c);
        return cv::saturate_cast<std::uint8_t>(std::isfinite(e) ? (e + shift) * scale : 0);
      };
      cv::Vec3b& d = out.at<cv::Vec3b>(y, x);
      if (ch == 1)
        d = cv::Vec3b(px(0), px(0), px(0));
      else if (order == "rgb")
        d = cv::Vec3b(px(2), px(1), px(0));
      else
        d = cv::Vec3b(px(0), px(1), px(2));
    }
  return out;
}

double finite_number(const Json& j, const std::string& what) {
  if (!j.is_number()) bad(what + " must be a number");
  const double v = j.get<double>();
  if (!std::isfinite(v)) bad(what + " must be finite");
  return v;
}

// [x, y] -> a point; null or [] -> none.
void read_points(const Json& j, const std::string& what, std::vector<Point2>& out) {
  if (j.is_null() || (j.is_array() && j.empty())) return;
  if (!j.is_array()) bad(what + " must be [x, y], a list of [x, y] or null");
  if (j.size() == 2 && j[0].is_number()) {
    if (j[0].is_number_float() && std::isnan(j[0].get<double>())) return;  // NaN: unknown
    out.push_back({finite_number(j[0], what + " x"), finite_number(j[1], what + " y")});
    return;
  }
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_array() || j[i].size() != 2)
      bad(what + " must be [x, y], a list of [x, y] or null");
    read_points(j[i], what + "[" + std::to_string(i) + "]", out);
  }
}

void read_pair(const Json& h, const char* field, double& x, double& y, bool positive) {
  if (!h.contains(field) || h[field].is_null()) return;
  const Json& j = h[field];
  const std::string f = field;
  if (j.is_number()) {
    x = y = finite_number(j, f);
  } else if (j.is_array() && j.size() == 2) {
    x = finite_number(j[0], f + "[0]");
    y = finite_number(j[1], f + "[1]");
  } else {
    bad(f + " must be a number or [x, y]");
  }
  if (positive && (x <= 0 || y <= 0)) bad(f + " must be > 0");
}

// The message checked whole, its heatmap's shape in `shape`. Pixels: none (pixels false), into
// a new Heatmap (into null) or into `into` (the frame's heatmap left empty).
Frame parse(std::span<const std::string_view> parts, const StreamLimits& lim, bool pixels,
            const MutableHeatmapView* into, FrameShape* shape) {
  if (parts.empty()) bad("empty message");
  if (parts.size() < 2) bad("truncated message: a header without its heatmap part");
  if (parts[0].size() > lim.max_header_bytes)
    bad("header of " + std::to_string(parts[0].size()) + " bytes exceeds the limit " +
        std::to_string(lim.max_header_bytes));
  const Json h = Json::parse(parts[0].begin(), parts[0].end(), nullptr, /*allow_exceptions=*/false);
  if (h.is_discarded()) bad("header is not JSON");
  if (!h.is_object()) bad("header must be a JSON object");
  if (!h.contains("peakscope") || !h["peakscope"].is_number_integer())
    bad("header has no protocol version (\"peakscope\": " + std::to_string(kStreamProtocol) + ")");
  if (h["peakscope"].get<std::int64_t>() != kStreamProtocol)
    bad("protocol version " + h["peakscope"].dump() + " is not supported (this viewer reads " +
        std::to_string(kStreamProtocol) + ")");
  const bool has_image = h.contains("image") && !h["image"].is_null();
  if (has_image && !h["image"].is_object()) bad("image must be an object (shape, dtype)");
  const std::size_t want = has_image ? 3 : 2;
  if (parts.size() != want)
    bad((parts.size() < want ? "truncated message: " : "extra parts: ") +
        std::to_string(parts.size()) + " parts, the header announces " + std::to_string(want));

  const Layout l = parse_layout(h, "heatmap", parts[1], 2, 3, lim);
  const std::size_t k = l.shape.size() == 3 ? l.shape[0] : 1;
  const std::size_t hh = l.shape[l.shape.size() - 2], ww = l.shape.back();
  if (k > static_cast<std::size_t>(lim.max_channels))
    bad("heatmap has " + std::to_string(k) + " channels; the limit is " +
        std::to_string(lim.max_channels));
  if (hh > static_cast<std::size_t>(lim.max_side) || ww > static_cast<std::size_t>(lim.max_side))
    bad("heatmap is larger than " + std::to_string(lim.max_side) + " pixels on a side");

  Frame f;
  auto info = std::make_shared<StreamFrameInfo>();
  if (h.contains("step") && !h["step"].is_null()) {
    if (!h["step"].is_number_integer()) bad("step must be an integer");
    info->step = static_cast<long>(h["step"].get<std::int64_t>());
  }
  if (h.contains("time") && !h["time"].is_null())
    info->sent_time = finite_number(h["time"], "time");
  if (h.contains("dropped") && !h["dropped"].is_null())
    info->sender_dropped =
        static_cast<long>(parse_size(h["dropped"], "dropped", std::numeric_limits<long>::max()));
  if (h.contains("names") && !h["names"].is_null()) {
    const Json& n = h["names"];
    if (!n.is_array() || n.size() > k)
      bad("names must be a list of at most " + std::to_string(k) + " strings (one per channel)");
    for (const Json& s : n) {
      if (!s.is_string()) bad("names must be strings");
      f.names.push_back(s.get<std::string>().substr(0, 256));
    }
  }
  if (h.contains("skeleton") && !h["skeleton"].is_null()) {
    const Json& s = h["skeleton"];
    if (!s.is_array() || s.size() > 4 * k + 64)
      bad("skeleton must be a list of [a, b] channel pairs");
    for (const Json& p : s) {
      if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer() || !p[1].is_number_integer())
        bad("skeleton must be a list of [a, b] channel pairs");
      const auto a = p[0].get<std::int64_t>(), b = p[1].get<std::int64_t>();
      if (a < 0 || b < 0 || a >= static_cast<std::int64_t>(k) || b >= static_cast<std::int64_t>(k))
        bad("skeleton pair [" + std::to_string(a) + ", " + std::to_string(b) +
            "] names a channel outside 0.." + std::to_string(k - 1));
      f.skeleton.emplace_back(static_cast<int>(a), static_cast<int>(b));
    }
  }
  if (h.contains("ground_truth") && !h["ground_truth"].is_null()) {
    const Json& g = h["ground_truth"];
    if (!g.is_array() || g.size() > k)
      bad("ground_truth must be a list of at most " + std::to_string(k) + " entries (per channel)");
    f.ground_truth.resize(g.size());
    for (std::size_t c = 0; c < g.size(); ++c)
      read_points(g[c], "ground_truth[" + std::to_string(c) + "]", f.ground_truth[c]);
  }
  double sx = 0, sy = 0, ox = 0, oy = 0;
  read_pair(h, "stride", sx, sy, true);
  read_pair(h, "offset", ox, oy, false);

  if (has_image) (void)read_image(h["image"], parts[2], lim, /*pixels=*/false);  // its checks
  if (shape) *shape = shape_of(l);
  if (!pixels) return f;
  // Everything is checked: now the pixels.
  const FrameShape fs = shape_of(l);
  if (into) {
    if (FrameShape::of(into->view()) != fs)
      throw std::invalid_argument("stream frame is " + fs.str() + ", the memory given is " +
                                  FrameShape::of(into->view()).str());
    write_heatmap(l, parts[1], *into, f.narrowed);
  } else {
    f.heatmap = Heatmap(fs.width, fs.height, fs.channels, fs.type);
    write_heatmap(l, parts[1], f.heatmap.mutable_view(), f.narrowed);
  }
  f.input_dtype = l.dtype->name;
  if (has_image) {
    f.image = read_image(h["image"], parts[2], lim, /*pixels=*/true);
    f.image_scale_x = sx > 0 ? sx : static_cast<double>(f.image.cols) / ww;
    f.image_scale_y = sy > 0 ? sy : static_cast<double>(f.image.rows) / hh;
    f.image_offset_x = ox;
    f.image_offset_y = oy;
  }
  f.stream = std::move(info);
  return f;
}

}  // namespace

Frame parse_stream_message(std::span<const std::string_view> parts, const StreamLimits& lim) {
  return parse(parts, lim, /*pixels=*/true, nullptr, nullptr);
}

Frame parse_stream_message_into(std::span<const std::string_view> parts,
                                const MutableHeatmapView& dst, const StreamLimits& lim) {
  return parse(parts, lim, /*pixels=*/true, &dst, nullptr);
}

FrameShape check_stream_message(std::span<const std::string_view> parts, const StreamLimits& lim) {
  FrameShape shape;
  (void)parse(parts, lim, /*pixels=*/false, nullptr, &shape);
  return shape;
}

}  // namespace peakscope::io
