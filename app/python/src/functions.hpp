// The functions of peakscope._core (app/python/src/module.cpp binds them; app/python/
// peakscope/_core.pyi documents them for Python): decode.cpp and studies.cpp.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace peakscope::python {

namespace py = pybind11;

// Decodes every frame with the engine for `backend` and the decoding lab, as peakscope-cli
// decode does with the same flags (the tuple's fields: _core.pyi).
py::tuple decode(const py::array& maps, double beta, const std::string& normalize,
                 const std::string& backend, const std::optional<std::string>& decoders,
                 const std::string& coords, const std::optional<std::string>& input_size, bool udp,
                 std::optional<double> window_beta, int window_radius, int dark_kernel,
                 int centroid_size, int mediapipe_size, double mediapipe_threshold);
// The double-precision reference (core/reference.hpp) on every frame: the tests' oracle.
py::dict reference_decode(const py::array& maps, double beta, const std::string& normalize);
// The softmax map of every channel (the CPU engine), N x K x H x W float32.
py::array_t<float> softmax(const py::array& maps, double beta, const std::string& normalize);
// (d x^/d h, d y^/d h) of every channel (core/lab/gradient.hpp), N x K x H x W float64.
py::tuple gradient(const py::array& maps, double beta, const std::string& normalize);
// Every frame decoded at every beta (DecodedFrame::beta_grid).
py::dict beta_grid(const py::array& maps, const std::vector<double>& betas,
                   const std::string& normalize, bool debiased, const std::string& backend);

// The synthetic scene (core/scene.hpp): (maps, positions, weights) of every frame.
py::tuple scene(int width, int height, int subjects, double fwhm, std::uint64_t seed, int frames,
                bool uint8, bool per_subject, bool animate);
// The accuracy study (core/lab/accuracy_study.hpp); Ctrl-C ends it (KeyboardInterrupt).
py::dict accuracy(long peaks, const std::vector<std::string>& sizes,
                  const std::vector<double>& sigmas, const std::vector<double>& noises,
                  const std::vector<double>& betas, const std::vector<double>& debiased_betas,
                  const std::string& decoders, const std::string& normalize, double margin,
                  int tune_maps, std::uint64_t seed, int threads);
// The engine's own median time for decoding every frame of `maps`, seconds (no Python in the
// timed loop).
double engine_seconds(const py::array& maps, double beta, const std::string& normalize,
                      const std::string& backend, int repeats);
// The engine for `backend`: backend, description, fallback_reason.
py::dict engine_info(const std::string& backend);

}  // namespace peakscope::python
