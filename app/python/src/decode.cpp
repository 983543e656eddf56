// peakscope._core's decode, reference_decode, softmax, gradient and beta_grid (declared in
// app/python/src/functions.hpp): the engines and the decoding lab on the caller's frames.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "app/python/src/functions.hpp"
#include "app/python/src/support.hpp"
#include "core/cpu/cpu_engine.hpp"
#include "core/lab/coords.hpp"
#include "core/lab/decoder.hpp"
#include "core/lab/gradient.hpp"
#include "core/lab/lab.hpp"
#include "core/reference.hpp"

namespace peakscope::python {
namespace {

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

}  // namespace

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

}  // namespace peakscope::python
