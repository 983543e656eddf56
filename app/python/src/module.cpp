// The extension module `peakscope._core`: the core library's engines for Python. Thin on
// purpose: the package's Python files (app/python/peakscope/__init__.py) turn whatever the
// user passes into the arrays these functions take (N x K x H x W float32 or uint8 views), and
// these functions call the engines (core/engine/select_engine.hpp, as peakscope-cli does), the
// decoding lab (core/lab), the scene (core/scene.hpp) and the accuracy study
// (core/lab/accuracy_study.hpp). The GIL is released while they compute; the core's
// std::invalid_argument arrives in Python as ValueError with the core's message.
#include <string>
#include <vector>

#include "app/python/src/functions.hpp"
#include "app/python/src/support.hpp"
#include "core/decode.hpp"
#include "core/lab/decoder.hpp"

namespace py = pybind11;
using namespace peakscope;
using namespace peakscope::python;

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
