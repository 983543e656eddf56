// What the GL device is, decided in one place: a software rasteriser or a GPU, one memory with
// the host or its own, fast doubles or not, and the choices that follow from it (where host
// frames go, whether the viewer colours maps and renders the synthetic scene on it). Computed
// from the GL_RENDERER string and the PEAKSCOPE_* variables of the environment that concern
// the device, which are read here and nowhere else. No GL: device_traits is a pure function,
// unit-tested without a context.
//
// The environment (unset: the default from the renderer):
//   PEAKSCOPE_BACKEND=cpu          every engine choice gives the CPU engine, GL untouched
//                                  (core/engine/select_engine.hpp); other values: ignored
//   PEAKSCOPE_GPU_PLACEMENT=copy|inplace   host frames staged into device-local buffers, or
//                                  read in place by the shaders; other values: ignored
//   PEAKSCOPE_GPU_COLOUR=1|0       the viewer colours maps by shader from the engine's
//                                  textures (1) or on the CPU (any other value)
//   PEAKSCOPE_VIEWER_GPU_SCENE=1|0 the viewer's GPU engine renders the synthetic scene
//                                  itself (1) or decodes the worker's frame (any other value)
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace peakscope::gpu {

// Where host frames go. kAuto: device-local copy unless the renderer shares host memory.
enum class Placement { kAuto, kDeviceCopy, kInPlace };

// The device variables of the environment, parsed.
struct DeviceEnv {
  bool force_cpu = false;                  // PEAKSCOPE_BACKEND=cpu
  Placement placement = Placement::kAuto;  // PEAKSCOPE_GPU_PLACEMENT (kAuto: unset or other)
  std::optional<bool> colour_on_gpu;       // PEAKSCOPE_GPU_COLOUR set: value == "1"
  std::optional<bool> scene_on_gpu;        // PEAKSCOPE_VIEWER_GPU_SCENE set: value == "1"
};

// Parses the variables from `lookup` (a name to its value, nullptr when unset).
DeviceEnv parse_device_env(const std::function<const char*(const char*)>& lookup);
// The process's environment (std::getenv), read at each call.
DeviceEnv device_env();

struct DeviceTraits {
  std::string renderer;              // the renderer string given ("" without a context)
  bool software_rasteriser = false;  // llvmpipe, softpipe, SWR: shaders emulated on the CPU
  bool hardware = false;             // a renderer, not a software one
  bool unified_memory = false;       // host and device memory are one (software, Intel iGPU)
  bool fast_doubles = false;         // double-precision shaders at GPU speed (hardware)
  Placement placement = Placement::kDeviceCopy;  // where host frames go; never kAuto
  bool colour_on_gpu = false;  // the viewer colours maps by shader (hardware, or the override)
  bool scene_on_gpu = false;   // the viewer's GPU engine renders the scene (same)
};

// The traits of a renderer (GL_RENDERER, with or without the version after it) under `env`.
DeviceTraits device_traits(std::string_view renderer, const DeviceEnv& env);

// Whether a renderer string names a software rasteriser (Mesa's llvmpipe or softpipe, SWR):
// the one test of it (DeviceTraits::software_rasteriser).
bool software_rasteriser(std::string_view renderer);

}  // namespace peakscope::gpu
