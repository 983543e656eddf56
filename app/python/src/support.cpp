#include "app/python/src/support.hpp"

#include <array>
#include <stdexcept>

#include "app/common/flags.hpp"
#include "core/engine/select_engine.hpp"

namespace peakscope::python {
namespace {

std::array<EngineSlot, 3>& engine_slots() {
  static std::array<EngineSlot, 3> slots;
  return slots;
}

int dim(py::ssize_t v, const char* what) {
  if (v <= 0) throw std::invalid_argument(std::string("maps: ") + what + " must be positive");
  if (v > 0x7fffffff) throw std::invalid_argument(std::string("maps: ") + what + " too large");
  return static_cast<int>(v);
}

}  // namespace

// Locks the engine for `b` (creating it on first use). Call without the GIL.
EngineSlot& locked_engine(Backend b, std::unique_lock<std::mutex>& lock) {
  EngineSlot& s = engine_slots()[static_cast<int>(b)];
  lock = std::unique_lock<std::mutex>(s.mu);
  if (!s.engine) {
    EngineChoice c = select_engine(b, ContextMode::kOwnHeadless, /*quiet=*/true);
    s.engine = std::move(c.engine);
    s.reason = std::move(c.reason);
  }
  return s;
}

// In a child made by fork() (a PyTorch DataLoader worker): the parent's engines are unusable
// there (their worker threads and GL contexts stayed in the parent), so they are dropped
// without running their destructors, which would wait for those threads; the child makes its
// own on first use. The mutexes are made anew (a parent thread may have held one at the fork).
void forget_engines_after_fork() {
  for (EngineSlot& s : engine_slots()) {
    (void)s.engine.release();  // leaked on purpose: see above
    s.reason.clear();
    new (&s.mu) std::mutex();
  }
}

// The reason the CLI's JSON reports: a failure at run time, else the choice at start.
std::string fallback_reason(const EngineSlot& s) {
  const std::string run = s.engine->fallback_reason();
  return run.empty() ? s.reason : run;
}

// The address of the last frame memory a decode read (the zero-copy test compares it with the
// caller's array).
std::atomic<std::uintptr_t> g_last_input{0};

// ---------------------------------------------------------------------------------------
// Input: an array viewed as frames without a copy
// ---------------------------------------------------------------------------------------

Frames view_frames(const py::array& a) {
  const int nd = static_cast<int>(a.ndim());
  if (nd < 2 || nd > 4)
    throw std::invalid_argument(
        "maps must have 2 to 4 dimensions (H x W, K x H x W or N x K x "
        "H x W), got " +
        std::to_string(nd));
  Frames f;
  const py::dtype dt = a.dtype();
  if (dt.is(py::dtype::of<float>()))
    f.type = ElemType::kFloat32;
  else if (dt.is(py::dtype::of<std::uint8_t>()))
    f.type = ElemType::kUInt8;
  else
    throw std::invalid_argument("maps must be float32 or uint8 here, got " +
                                dt.attr("name").cast<std::string>());
  // N x K x H x W, the missing leading axes of size 1.
  std::array<py::ssize_t, 4> shape{1, 1, 1, 1}, bytes{0, 0, 0, 0};
  for (int i = 0; i < nd; ++i) {
    shape[4 - nd + i] = a.shape(i);
    bytes[4 - nd + i] = a.strides(i);
  }
  f.n = dim(shape[0], "N");
  f.k = dim(shape[1], "K");
  f.h = dim(shape[2], "H");
  f.w = dim(shape[3], "W");
  const py::ssize_t isz = static_cast<py::ssize_t>(elem_size(f.type));
  std::array<std::ptrdiff_t, 4> st{};
  for (int i = 0; i < 4; ++i) {
    if (shape[i] == 1) continue;  // a stride of a single-entry axis is never used
    if (bytes[i] < 0 || bytes[i] % isz != 0)
      throw std::invalid_argument(
          "maps: strides must be non-negative multiples of the element size");
    st[i] = bytes[i] / isz;
  }
  if (f.w > 1 && st[3] != 1)
    throw std::invalid_argument("maps: rows must be contiguous (stride of W one element)");
  f.row_stride = f.h > 1 ? st[2] : f.w;
  f.channel_stride = f.k > 1 ? st[1] : f.row_stride * f.h;
  f.frame_stride = st[0];
  if (f.row_stride < f.w || f.channel_stride < f.row_stride * (f.h - 1) + f.w)
    throw std::invalid_argument("maps: overlapping rows or channels (make the array contiguous)");
  f.data = static_cast<const char*>(a.data());
  for (int i = 0; i < nd - 2; ++i) f.lead.push_back(a.shape(i));
  return f;
}

// The caller's leading axes (the maps' shape without H x W) followed by `tail`.
std::vector<py::ssize_t> shaped(const Frames& f, std::initializer_list<py::ssize_t> tail) {
  std::vector<py::ssize_t> s = f.lead;
  s.insert(s.end(), tail);
  return s;
}

bool parse_norm(const std::string& s) {
  return common::parse_normalize(s);
}

}  // namespace peakscope::python
