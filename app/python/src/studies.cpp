// peakscope._core's scene, accuracy, engine_seconds and engine_info (declared in
// app/python/src/functions.hpp).
#include <Python.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "app/python/src/functions.hpp"
#include "app/python/src/support.hpp"
#include "core/lab/accuracy_study.hpp"
#include "core/lab/coords.hpp"
#include "core/scene.hpp"

namespace peakscope::python {

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

}  // namespace peakscope::python
