// What the functions of peakscope._core share (app/python/src/module.cpp binds them): the
// engines, one per backend, made on first use and kept; the caller's array viewed as frames
// without a copy; the names of normalize. Everything here is called with the GIL held unless
// it says otherwise.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/engine/engine.hpp"
#include "core/heatmap.hpp"

namespace peakscope::python {

namespace py = pybind11;

struct EngineSlot {
  std::mutex mu;  // one call at a time per engine (engines are not thread-safe)
  std::unique_ptr<Engine> engine;
  std::string reason;  // select_engine's reason: why the CPU runs when the GPU was asked
};

// Locks the engine for `b` (creating it with select_engine on first use, as peakscope-cli
// does). Call without the GIL.
EngineSlot& locked_engine(Backend b, std::unique_lock<std::mutex>& lock);
// The reason the CLI's JSON reports: a failure at run time, else the choice at start.
std::string fallback_reason(const EngineSlot& s);
// In a child made by fork() (a PyTorch DataLoader worker): drops the parent's engines, whose
// worker threads and GL contexts stayed in the parent, without running their destructors
// (which would wait for those threads); the child makes its own on first use.
void forget_engines_after_fork();

// The address of the last frame memory a decode read (the zero-copy test compares it with the
// caller's array).
extern std::atomic<std::uintptr_t> g_last_input;

// An array of 2 to 4 axes (H x W, K x H x W, N x K x H x W) viewed as N frames of K channels.
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

// Views `a` (float32 or uint8, elements contiguous along W, other strides non-negative
// multiples of the element size, rows and channels not overlapping) without a copy. Throws
// std::invalid_argument otherwise: the package's Python layer converts anything else first.
Frames view_frames(const py::array& a);
// The caller's leading axes (the maps' shape without H x W) followed by `tail`.
std::vector<py::ssize_t> shaped(const Frames& f, std::initializer_list<py::ssize_t> tail);
// "max" | "none" (app/common/flags.hpp, the CLI's --normalize); std::invalid_argument otherwise.
bool parse_norm(const std::string& s);

template <class T>
py::array_t<T> make(std::vector<py::ssize_t> shape) {
  return py::array_t<T>(shape);
}

}  // namespace peakscope::python
