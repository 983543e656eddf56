// The extension module `peakscope._core`: the core library's engines for Python. Thin on
// purpose: the package's Python files (app/python/peakscope/__init__.py) turn whatever the
// user passes into the arrays these functions take (N x K x H x W float32 or uint8 views), and
// these functions call the engines (core/engine/select_engine.hpp, as peakscope-cli does), the
// decoding lab (core/lab), the scene (core/scene.hpp) and the accuracy study
// (core/lab/accuracy_study.hpp). The GIL is released while they compute; the core's
// std::invalid_argument arrives in Python as ValueError with the core's message.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/common/flags.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/engine/select_engine.hpp"
#include "core/lab/accuracy_study.hpp"
#include "core/lab/coords.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/gradient.hpp"
#include "core/lab/lab.hpp"
#include "core/reference.hpp"
#include "core/scene.hpp"

namespace py = pybind11;
using namespace peakscope;

namespace {

// ---------------------------------------------------------------------------------------
// Engines: one per backend asked for, made on first use and kept (an EGL context is costly)
// ---------------------------------------------------------------------------------------

struct EngineSlot {
  std::mutex mu;  // one call at a time per engine (engines are not thread-safe)
  std::unique_ptr<Engine> engine;
  std::string reason;  // select_engine's reason: why the CPU runs when the GPU was asked
};

std::array<EngineSlot, 3>& engine_slots() {
  static std::array<EngineSlot, 3> slots;
  return slots;
}

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
// Input: an N x K x H x W array viewed without a copy
// ---------------------------------------------------------------------------------------

struct Frames {
  const char* data = nullptr;
  ElemType type = ElemType::kFloat32;
  int n = 0, k = 0, h = 0, w = 0;
  std::ptrdiff_t frame_stride = 0, channel_stride = 0, row_stride = 0;  // elements
  std::vector<py::ssize_t> lead;  // the caller's axes before H x W (N x K, K, or none)

  HeatmapView frame(int i) const {
    return {data + i * frame_stride * static_cast<std::ptrdiff_t>(elem_size(type)),
            type,
            w,
            h,
            k,
            row_stride,
            channel_stride};
  }
};

int dim(py::ssize_t v, const char* what) {
  if (v <= 0) throw std::invalid_argument(std::string("maps: ") + what + " must be positive");
  if (v > 0x7fffffff) throw std::invalid_argument(std::string("maps: ") + what + " too large");
  return static_cast<int>(v);
}

// Views `a` (4-D, float32 or uint8, elements contiguous along W, other strides non-negative
// multiples of the element size) as frames. Throws std::invalid_argument otherwise: the
// package's Python layer converts anything else first.
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

template <class T>
py::array_t<T> make(std::vector<py::ssize_t> shape) {
  return py::array_t<T>(shape);
}

// ---------------------------------------------------------------------------------------
// decode
// ---------------------------------------------------------------------------------------

// The decoding lab's options as peakscope-cli decode resolves its flags (app/cli/lab_flags.cpp
// resolve_lab): the decoders, the convention of their positions, their parameters.
struct LabChoice {
  std::vector<DecoderKind> decoders;
  CoordConvention coords;
  DecoderParams params;
};

LabChoice resolve_lab(const std::optional<std::string>& decoders, const std::string& coords,
                      const std::optional<std::string>& input_size, bool udp,
                      std::optional<double> window_beta, double beta, const DecoderParams& p) {
  LabChoice lab;
  lab.coords.system = parse_coord_system(coords);
  if (input_size) parse_input_size(*input_size, lab.coords.input_width, lab.coords.input_height);
  lab.coords.udp = udp;
  if (lab.coords.system != CoordSystem::kImage && (input_size || udp))
    throw std::invalid_argument("input_size and udp apply only to coords 'image'");
  lab.coords.validate();
  lab.params = p;
  lab.params.window_beta = window_beta ? *window_beta : beta;
  lab.params.validate();
  if (decoders)
    lab.decoders = parse_decoder_list(*decoders);
  else if (lab.coords.system != CoordSystem::kIndex)
    lab.decoders = {DecoderKind::kArgmax, DecoderKind::kSoftargmax};
  return lab;
}

// Returns (argmax, argmax_value, softargmax, peak_probability, valid, backends,
// fallback_reason, coords, decoder_names, decoder_xy, decoder_score, decoder_valid), shaped by
// the caller's leading axes (decoder_* are None without decoders). A tuple, not a dict: the
// call overhead on small maps matters (scripts/bench-python).
py::tuple decode(const py::array& maps, double beta, const std::string& normalize,
                 const std::string& backend, const std::optional<std::string>& decoders,
                 const std::string& coords, const std::optional<std::string>& input_size, bool udp,
                 std::optional<double> window_beta, int window_radius, int dark_kernel,
                 int centroid_size, int mediapipe_size, double mediapipe_threshold) {
  const DecodeOptions opt{beta, parse_norm(normalize)};
  opt.validate();
  const Backend want = parse_backend(backend);
  DecoderParams p;
  p.window_radius = window_radius;
  p.dark_kernel = dark_kernel;
  p.centroid_size = centroid_size;
  p.mediapipe_size = mediapipe_size;
  p.mediapipe_threshold = mediapipe_threshold;
  const LabChoice lab = resolve_lab(decoders, coords, input_size, udp, window_beta, beta, p);
  const Frames fr = view_frames(maps);
  const py::ssize_t D = static_cast<py::ssize_t>(lab.decoders.size());

  auto argmax = make<double>(shaped(fr, {2})), soft = make<double>(shaped(fr, {2}));
  auto value = make<double>(shaped(fr, {})), prob = make<double>(shaped(fr, {}));
  auto valid = make<bool>(shaped(fr, {}));
  py::array_t<double> dxy, dscore;
  py::array_t<bool> dvalid;
  if (D > 0) {
    dxy = make<double>(shaped(fr, {D, 2}));
    dscore = make<double>(shaped(fr, {D}));
    dvalid = make<bool>(shaped(fr, {D}));
  }
  double* am = argmax.mutable_data();
  double* sa = soft.mutable_data();
  double* av = value.mutable_data();
  double* pp = prob.mutable_data();
  bool* va = valid.mutable_data();
  double* dx = D > 0 ? dxy.mutable_data() : nullptr;
  double* ds = D > 0 ? dscore.mutable_data() : nullptr;
  bool* dv = D > 0 ? dvalid.mutable_data() : nullptr;
  std::vector<Backend> used(static_cast<std::size_t>(fr.n));
  std::string reason;
  {
    py::gil_scoped_release nogil;
    std::unique_lock<std::mutex> lock;
    EngineSlot& slot = locked_engine(want, lock);
    g_last_input = reinterpret_cast<std::uintptr_t>(fr.data);
    for (int i = 0; i < fr.n; ++i) {
      const DecodedFrame f = slot.engine->decode(fr.frame(i), opt);
      used[i] = f.backend();
      const std::vector<Keypoint>& kps = f.keypoints();
      const std::vector<std::vector<DecodedPoint>> pts =
          lab.decoders.empty() ? std::vector<std::vector<DecodedPoint>>{}
                               : decode_lab(f, lab.decoders, lab.params);
      for (int c = 0; c < fr.k; ++c) {
        const std::size_t j = static_cast<std::size_t>(i) * fr.k + c;
        const Keypoint& kp = kps[c];
        am[2 * j] = kp.argmax_x, am[2 * j + 1] = kp.argmax_y;
        sa[2 * j] = kp.soft_x, sa[2 * j + 1] = kp.soft_y;
        av[j] = kp.argmax_value;
        pp[j] = kp.peak_probability;
        va[j] = kp.valid;
        for (std::size_t d = 0; d < lab.decoders.size(); ++d) {
          const DecodedPoint& q = pts[c][d];
          const CoordPoint cp = to_convention({q.x, q.y}, fr.w, fr.h, lab.coords);
          const std::size_t jd = j * lab.decoders.size() + d;
          dx[2 * jd] = cp.x, dx[2 * jd + 1] = cp.y;
          ds[jd] = q.score;
          dv[jd] = q.valid;
        }
      }
    }
    reason = fallback_reason(slot);
  }
  py::list backends(fr.n);
  for (int i = 0; i < fr.n; ++i) backends[i] = py::str(backend_name(used[i]));
  py::object names = py::none(), oxy = py::none(), oscore = py::none(), ovalid = py::none();
  if (D > 0) {
    py::list l;
    for (DecoderKind k : lab.decoders) l.append(py::str(decoder_name(k)));
    names = l;
    oxy = dxy;
    oscore = dscore;
    ovalid = dvalid;
  }
  return py::make_tuple(argmax, value, soft, prob, valid, backends, reason, lab.coords.name(),
                        names, oxy, oscore, ovalid);
}

// The double-precision reference (core/reference.hpp) on every frame: the tests' oracle.
py::dict reference_decode(const py::array& maps, double beta, const std::string& normalize) {
  const DecodeOptions opt{beta, parse_norm(normalize)};
  opt.validate();
  const Frames fr = view_frames(maps);
  const py::ssize_t N = fr.n, K = fr.k;
  auto argmax = make<double>({N, K, 2}), soft = make<double>({N, K, 2});
  auto value = make<double>({N, K}), prob = make<double>({N, K});
  auto valid = make<bool>({N, K});
  {
    py::gil_scoped_release nogil;
    for (int i = 0; i < fr.n; ++i) {
      const std::vector<Keypoint> kps = reference::decode_all(fr.frame(i), opt);
      for (int c = 0; c < fr.k; ++c) {
        const std::size_t j = static_cast<std::size_t>(i) * fr.k + c;
        argmax.mutable_data()[2 * j] = kps[c].argmax_x;
        argmax.mutable_data()[2 * j + 1] = kps[c].argmax_y;
        soft.mutable_data()[2 * j] = kps[c].soft_x;
        soft.mutable_data()[2 * j + 1] = kps[c].soft_y;
        value.mutable_data()[j] = kps[c].argmax_value;
        prob.mutable_data()[j] = kps[c].peak_probability;
        valid.mutable_data()[j] = kps[c].valid;
      }
    }
  }
  py::dict out;
  out["argmax"] = argmax;
  out["argmax_value"] = value;
  out["softargmax"] = soft;
  out["peak_probability"] = prob;
  out["valid"] = valid;
  return out;
}

// ---------------------------------------------------------------------------------------
// Maps: softmax, gradient, beta grid
// ---------------------------------------------------------------------------------------

py::array_t<float> softmax(const py::array& maps, double beta, const std::string& normalize) {
  const DecodeOptions opt{beta, parse_norm(normalize)};
  opt.validate();
  const Frames fr = view_frames(maps);
  auto out = make<float>({fr.n, fr.k, fr.h, fr.w});
  float* o = out.mutable_data();
  {
    py::gil_scoped_release nogil;
    std::unique_lock<std::mutex> lock;
    auto& cpu = static_cast<CpuEngine&>(*locked_engine(Backend::kCpu, lock).engine);
    const std::size_t plane = static_cast<std::size_t>(fr.h) * fr.w;
    for (int i = 0; i < fr.n; ++i)
      for (int c = 0; c < fr.k; ++c)
        cpu.softmax_map(fr.frame(i), c, opt, o + (static_cast<std::size_t>(i) * fr.k + c) * plane);
  }
  return out;
}

py::tuple gradient(const py::array& maps, double beta, const std::string& normalize) {
  const DecodeOptions opt{beta, parse_norm(normalize)};
  opt.validate();
  const Frames fr = view_frames(maps);
  auto gx = make<double>({fr.n, fr.k, fr.h, fr.w}), gy = make<double>({fr.n, fr.k, fr.h, fr.w});
  double* ox = gx.mutable_data();
  double* oy = gy.mutable_data();
  {
    py::gil_scoped_release nogil;
    const std::size_t plane = static_cast<std::size_t>(fr.h) * fr.w;
    for (int i = 0; i < fr.n; ++i)
      for (int c = 0; c < fr.k; ++c) {
        const GradientMap g = softargmax_gradient(fr.frame(i), c, opt);
        const std::size_t at = (static_cast<std::size_t>(i) * fr.k + c) * plane;
        std::copy(g.dx.begin(), g.dx.end(), ox + at);
        std::copy(g.dy.begin(), g.dy.end(), oy + at);
      }
  }
  return py::make_tuple(gx, gy);
}

py::dict beta_grid(const py::array& maps, const std::vector<double>& betas,
                   const std::string& normalize, bool debiased, const std::string& backend) {
  if (betas.empty()) throw std::invalid_argument("betas: no beta given");
  for (double b : betas) validate_beta(b);
  const bool norm = parse_norm(normalize);
  const Backend want = parse_backend(backend);
  const Frames fr = view_frames(maps);
  const py::ssize_t B = static_cast<py::ssize_t>(betas.size()), N = fr.n, K = fr.k;
  auto soft = make<double>({B, N, K, 2}), prob = make<double>({B, N, K});
  auto deb = make<double>({debiased ? B : 0, N, K, 2});
  auto valid = make<bool>({N, K});
  std::vector<std::string> backends(static_cast<std::size_t>(N));
  std::string reason;
  {
    py::gil_scoped_release nogil;
    std::unique_lock<std::mutex> lock;
    EngineSlot& slot = locked_engine(want, lock);
    for (int i = 0; i < fr.n; ++i) {
      const DecodedFrame f = slot.engine->decode(fr.frame(i), {betas[0], norm});
      backends[i] = backend_name(f.backend());
      const BetaGrid g = f.beta_grid(betas, norm, debiased);
      for (py::ssize_t b = 0; b < B; ++b)
        for (int c = 0; c < fr.k; ++c) {
          const std::size_t j = (static_cast<std::size_t>(b) * N + i) * K + c;
          const Keypoint& kp = g.keypoints[b][c];
          soft.mutable_data()[2 * j] = kp.soft_x;
          soft.mutable_data()[2 * j + 1] = kp.soft_y;
          prob.mutable_data()[j] = kp.peak_probability;
          if (b == 0) valid.mutable_data()[static_cast<std::size_t>(i) * K + c] = kp.valid;
          if (debiased) {
            deb.mutable_data()[2 * j] = g.debiased[b][c].x;
            deb.mutable_data()[2 * j + 1] = g.debiased[b][c].y;
          }
        }
    }
    reason = fallback_reason(slot);
  }
  py::dict out;
  out["softargmax"] = soft;
  out["peak_probability"] = prob;
  out["debiased"] = deb;
  out["valid"] = valid;
  out["backends"] = backends;
  out["fallback_reason"] = reason;
  return out;
}

// ---------------------------------------------------------------------------------------
// The synthetic scene and the accuracy study
// ---------------------------------------------------------------------------------------

py::tuple scene(int width, int height, int subjects, double fwhm, std::uint64_t seed, int frames,
                bool uint8, bool per_subject, bool animate) {
  if (frames < 1) throw std::invalid_argument("frames must be >= 1, got " + std::to_string(frames));
  SceneConfig cfg;
  cfg.width = width;
  cfg.height = height;
  cfg.subjects = subjects;
  cfg.fwhm = fwhm;
  cfg.seed = seed;
  Scene s(cfg);  // validates
  const ElemType type = uint8 ? ElemType::kUInt8 : ElemType::kFloat32;
  const py::ssize_t K = per_subject ? subjects : 1, S = subjects;
  py::array maps = uint8 ? py::array(make<std::uint8_t>({frames, K, height, width}))
                         : py::array(make<float>({frames, K, height, width}));
  auto gt = make<double>({frames, S, 2});
  auto weights = make<double>({frames, S});
  char* base = static_cast<char*>(maps.mutable_data());
  {
    py::gil_scoped_release nogil;
    const std::size_t frame_bytes = static_cast<std::size_t>(K) * height * width * elem_size(type);
    for (int i = 0; i < frames; ++i) {
      if (i > 0 && animate) s.step();
      MutableHeatmapView dst{base + i * frame_bytes,
                             type,
                             width,
                             height,
                             static_cast<int>(K),
                             width,
                             static_cast<std::ptrdiff_t>(width) * height};
      if (per_subject)
        s.render_per_subject_into(dst);
      else
        s.render_into(dst);
      for (py::ssize_t j = 0; j < S; ++j) {
        const Subject& sub = s.subjects()[j];
        gt.mutable_data()[(i * S + j) * 2] = sub.x;
        gt.mutable_data()[(i * S + j) * 2 + 1] = sub.y;
        weights.mutable_data()[i * S + j] = sub.weight;
      }
    }
  }
  return py::make_tuple(maps, gt, weights);
}

py::dict accuracy(long peaks, const std::vector<std::string>& sizes,
                  const std::vector<double>& sigmas, const std::vector<double>& noises,
                  const std::vector<double>& betas, const std::vector<double>& debiased_betas,
                  const std::string& decoders, const std::string& normalize, double margin,
                  int tune_maps, std::uint64_t seed, int threads) {
  AccuracyStudy st;
  st.peaks = peaks;
  for (const std::string& size : sizes) {
    int w = 0, h = 0;
    parse_input_size(size, w, h);
    for (double s : sigmas)
      for (double n : noises) st.cells.push_back({w, h, s, n});
  }
  st.decoders = parse_decoder_list(decoders);
  st.betas = betas;
  st.debiased_betas = debiased_betas;
  st.normalize = parse_norm(normalize);
  st.margin = margin;
  st.tune_maps = tune_maps;
  st.seed = seed;
  st.threads = threads;
  st.validate();
  // Ctrl-C: the thread that called (which runs chunks of the study too) checks Python's
  // signals between chunks; a KeyboardInterrupt ends the study and is raised here.
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> interrupted{false};
  auto stop = [&] {
    if (!interrupted.load() && std::this_thread::get_id() == caller) {
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) interrupted.store(true);  // the exception stays set
    }
    return interrupted.load();
  };
  AccuracyResult r;
  {
    py::gil_scoped_release nogil;
    r = run_accuracy_study(st, {}, stop);
  }
  if (interrupted.load()) throw py::error_already_set();
  const py::ssize_t C = static_cast<py::ssize_t>(st.cells.size());
  const py::ssize_t V = static_cast<py::ssize_t>(r.variants.size());
  auto mean = make<double>({C, V}), p95 = make<double>({C, V});
  std::vector<double> auto_beta, tune_error;
  py::list variants, cells;
  for (const AccuracyVariant& v : r.variants) {
    py::dict d;
    d["decoder"] = decoder_name(v.kind);
    d["beta"] = v.beta;
    d["auto_beta"] = v.auto_beta;
    d["label"] = v.label();
    variants.append(d);
  }
  for (py::ssize_t c = 0; c < C; ++c) {
    const AccuracyCell& cell = st.cells[c];
    cells.append(py::make_tuple(cell.width, cell.height, cell.sigma, cell.noise));
    auto_beta.push_back(r.tunes[c].beta);
    tune_error.push_back(r.tunes[c].error);
    for (py::ssize_t v = 0; v < V; ++v) {
      mean.mutable_data()[c * V + v] = r.stats[c][v].mean;
      p95.mutable_data()[c * V + v] = r.stats[c][v].p95;
    }
  }
  py::dict out;
  out["cells"] = cells;
  out["variants"] = variants;
  out["mean"] = mean;
  out["p95"] = p95;
  out["auto_beta"] = auto_beta;
  out["auto_beta_tune_error"] = tune_error;
  return out;
}

// ---------------------------------------------------------------------------------------
// For benchmarks and diagnostics
// ---------------------------------------------------------------------------------------

// The engine's own time for one decode of every frame of `maps` (the median of `repeats`
// timed calls after one warm-up, seconds), measured in C++ with no Python in the loop.
double engine_seconds(const py::array& maps, double beta, const std::string& normalize,
                      const std::string& backend, int repeats) {
  const DecodeOptions opt{beta, parse_norm(normalize)};
  opt.validate();
  if (repeats < 1) throw std::invalid_argument("repeats must be >= 1");
  const Frames fr = view_frames(maps);
  std::vector<double> t;
  {
    py::gil_scoped_release nogil;
    std::unique_lock<std::mutex> lock;
    EngineSlot& slot = locked_engine(parse_backend(backend), lock);
    auto once = [&] {
      for (int i = 0; i < fr.n; ++i) (void)slot.engine->decode(fr.frame(i), opt);
    };
    once();
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      once();
      t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

py::dict engine_info(const std::string& backend) {
  const Backend want = parse_backend(backend);
  std::string desc, reason, kind;
  {
    py::gil_scoped_release nogil;
    std::unique_lock<std::mutex> lock;
    EngineSlot& slot = locked_engine(want, lock);
    desc = slot.engine->description();
    reason = fallback_reason(slot);
    kind = backend_name(slot.engine->kind());
  }
  py::dict out;
  out["backend"] = kind;
  out["description"] = desc;
  out["fallback_reason"] = reason;
  return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "peakscope's engines (the C++ core); use the `peakscope` package, not this module.";
  m.attr("__version__") = PEAKSCOPE_VERSION;
  m.attr("BETA_MIN") = kBetaMin;
  m.attr("BETA_MAX") = kBetaMax;
  m.attr("DEFAULT_BETA") = kDefaultBeta;
  std::vector<std::string> names;
  for (DecoderKind k : kAllDecoders) names.emplace_back(decoder_name(k));
  m.attr("DECODERS") = py::tuple(py::cast(names));

  using namespace pybind11::literals;
  m.def("decode", &decode, "maps"_a, "beta"_a, "normalize"_a, "backend"_a, "decoders"_a, "coords"_a,
        "input_size"_a, "udp"_a, "window_beta"_a, "window_radius"_a, "dark_kernel"_a,
        "centroid_size"_a, "mediapipe_size"_a, "mediapipe_threshold"_a,
        "Decodes every frame of an N x K x H x W float32/uint8 array (no copy).");
  m.def("reference_decode", &reference_decode, "maps"_a, "beta"_a, "normalize"_a,
        "The double-precision reference (core/reference.hpp) on every frame.");
  m.def("softmax", &softmax, "maps"_a, "beta"_a, "normalize"_a,
        "The softmax map of every channel (CPU engine), N x K x H x W float32.");
  m.def("gradient", &gradient, "maps"_a, "beta"_a, "normalize"_a,
        "(d x^/d h, d y^/d h) of every channel (core/lab/gradient.hpp), float64.");
  m.def("beta_grid", &beta_grid, "maps"_a, "betas"_a, "normalize"_a, "debiased"_a, "backend"_a,
        "Every frame decoded at every beta (DecodedFrame::beta_grid).");
  m.def("scene", &scene, "width"_a, "height"_a, "subjects"_a, "fwhm"_a, "seed"_a, "frames"_a,
        "uint8"_a, "per_subject"_a, "animate"_a,
        "The synthetic scene (core/scene.hpp): maps, positions and weights per frame.");
  m.def("accuracy", &accuracy, "peaks"_a, "sizes"_a, "sigmas"_a, "noises"_a, "betas"_a,
        "debiased_betas"_a, "decoders"_a, "normalize"_a, "margin"_a, "tune_maps"_a, "seed"_a,
        "threads"_a, "The accuracy study (core/lab/accuracy_study.hpp).");
  m.def("engine_seconds", &engine_seconds, "maps"_a, "beta"_a, "normalize"_a, "backend"_a,
        "repeats"_a, "The engine's own median time for decoding `maps`, seconds.");
  m.def("engine_info", &engine_info, "backend"_a,
        "The engine for a backend: what runs, its description, the fallback reason.");
  m.def("_forget_engines_after_fork", &forget_engines_after_fork,
        "Drops the engines inherited from the parent process (os.register_at_fork).");
  m.def(
      "last_input_address", [] { return g_last_input.load(); },
      "The address of the frame memory the last decode read.");
}
