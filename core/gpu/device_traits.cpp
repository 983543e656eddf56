#include "core/gpu/device_traits.hpp"

#include <cstdlib>

#include "core/enum_names.hpp"

namespace peakscope::gpu {
namespace {

// PEAKSCOPE_GPU_PLACEMENT's values (any other leaves the choice to the device).
constexpr EnumName<Placement> kPlacementNames[] = {{Placement::kDeviceCopy, "copy"},
                                                   {Placement::kInPlace, "inplace"}};

bool contains(std::string_view s, std::string_view what) {
  return s.find(what) != std::string_view::npos;
}

std::optional<bool> one_or_zero(const char* v) {
  if (!v) return std::nullopt;
  return std::string_view(v) == "1";
}

}  // namespace

bool software_rasteriser(std::string_view r) {
  return contains(r, "llvmpipe") || contains(r, "softpipe") || contains(r, "SWR");
}

DeviceEnv parse_device_env(const std::function<const char*(const char*)>& lookup) {
  DeviceEnv e;
  if (const char* b = lookup("PEAKSCOPE_BACKEND")) e.force_cpu = std::string_view(b) == "cpu";
  if (const char* p = lookup("PEAKSCOPE_GPU_PLACEMENT"))
    e.placement = find_enum(kPlacementNames, p).value_or(Placement::kAuto);
  e.colour_on_gpu = one_or_zero(lookup("PEAKSCOPE_GPU_COLOUR"));
  e.scene_on_gpu = one_or_zero(lookup("PEAKSCOPE_VIEWER_GPU_SCENE"));
  return e;
}

DeviceEnv device_env() {
  return parse_device_env([](const char* name) { return std::getenv(name); });
}

DeviceTraits device_traits(std::string_view renderer, const DeviceEnv& env) {
  DeviceTraits t;
  t.renderer = std::string(renderer);
  t.software_rasteriser = software_rasteriser(renderer);
  t.hardware = !renderer.empty() && !t.software_rasteriser;
  // Software rasterisers and integrated GPUs share the host's memory: there the shaders read
  // the mapped staging memory in place (Intel's Arc cards have their own).
  t.unified_memory =
      t.software_rasteriser || (contains(renderer, "Intel") && !contains(renderer, "Arc"));
  // On a software rasteriser double-precision shaders run slower than the SIMD CPU engine.
  t.fast_doubles = t.hardware;
  t.placement = env.placement != Placement::kAuto ? env.placement
                : t.unified_memory                ? Placement::kInPlace
                                                  : Placement::kDeviceCopy;
  // The viewer's choices: worth it on a GPU; on a software rasteriser the "GPU" is the same
  // CPU cores, and a shader pass costs more than the CPU work it replaces.
  t.colour_on_gpu = env.colour_on_gpu.value_or(t.hardware);
  t.scene_on_gpu = env.scene_on_gpu.value_or(t.hardware);
  return t;
}

}  // namespace peakscope::gpu
