// The device's traits (core/gpu/device_traits.hpp) from renderer strings and environments,
// without a GL context.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/gpu/device_traits.hpp"

namespace peakscope::gpu {
namespace {

const char* kLlvmpipe = "llvmpipe (LLVM 15.0.6, 256 bits), OpenGL 4.5 (Core Profile) Mesa 22.3.6";
const char* kNvidia = "NVIDIA H200/PCIe/SSE2";
const char* kIntel = "Mesa Intel(R) UHD Graphics 630 (CFL GT2)";
const char* kArc = "Mesa Intel(R) Arc(tm) A770 Graphics (DG2)";

DeviceEnv env(const std::map<std::string, std::string>& vars) {
  return parse_device_env([&](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(DeviceTraitsTest, SoftwareRasterisers) {
  for (const char* r : {kLlvmpipe, "softpipe", "SWR (LLVM 12.0.0, 256 bits)"}) {
    const DeviceTraits t = device_traits(r, {});
    EXPECT_EQ(t.renderer, r);
    EXPECT_TRUE(t.software_rasteriser) << r;
    EXPECT_FALSE(t.hardware) << r;
    EXPECT_TRUE(t.unified_memory) << r;
    EXPECT_FALSE(t.fast_doubles) << r;
    EXPECT_EQ(t.placement, Placement::kInPlace) << r;
    EXPECT_FALSE(t.colour_on_gpu) << r;
    EXPECT_FALSE(t.scene_on_gpu) << r;
  }
}

TEST(DeviceTraitsTest, DiscreteAndIntegratedGpus) {
  const DeviceTraits nv = device_traits(kNvidia, {});
  EXPECT_FALSE(nv.software_rasteriser);
  EXPECT_TRUE(nv.hardware);
  EXPECT_FALSE(nv.unified_memory);
  EXPECT_TRUE(nv.fast_doubles);
  EXPECT_EQ(nv.placement, Placement::kDeviceCopy);
  EXPECT_TRUE(nv.colour_on_gpu);
  EXPECT_TRUE(nv.scene_on_gpu);
  const DeviceTraits igpu = device_traits(kIntel, {});
  EXPECT_TRUE(igpu.hardware);
  EXPECT_TRUE(igpu.unified_memory);
  EXPECT_EQ(igpu.placement, Placement::kInPlace);
  EXPECT_TRUE(igpu.colour_on_gpu);
  const DeviceTraits arc = device_traits(kArc, {});
  EXPECT_FALSE(arc.unified_memory);
  EXPECT_EQ(arc.placement, Placement::kDeviceCopy);
}

// No context: no renderer, nothing claimed.
TEST(DeviceTraitsTest, NoRenderer) {
  const DeviceTraits t = device_traits("", {});
  EXPECT_FALSE(t.software_rasteriser);
  EXPECT_FALSE(t.hardware);
  EXPECT_FALSE(t.unified_memory);
  EXPECT_FALSE(t.colour_on_gpu);
  EXPECT_FALSE(t.scene_on_gpu);
  EXPECT_EQ(t.placement, Placement::kDeviceCopy);
}

TEST(DeviceTraitsTest, EnvironmentParsing) {
  const DeviceEnv none = env({});
  EXPECT_FALSE(none.force_cpu);
  EXPECT_EQ(none.placement, Placement::kAuto);
  EXPECT_FALSE(none.colour_on_gpu.has_value());
  EXPECT_FALSE(none.scene_on_gpu.has_value());

  EXPECT_TRUE(env({{"PEAKSCOPE_BACKEND", "cpu"}}).force_cpu);
  EXPECT_FALSE(env({{"PEAKSCOPE_BACKEND", "gpu"}}).force_cpu);
  EXPECT_FALSE(env({{"PEAKSCOPE_BACKEND", "CPU"}}).force_cpu);
  EXPECT_EQ(env({{"PEAKSCOPE_GPU_PLACEMENT", "copy"}}).placement, Placement::kDeviceCopy);
  EXPECT_EQ(env({{"PEAKSCOPE_GPU_PLACEMENT", "inplace"}}).placement, Placement::kInPlace);
  EXPECT_EQ(env({{"PEAKSCOPE_GPU_PLACEMENT", "nope"}}).placement, Placement::kAuto);
  // Set: "1" is on, anything else (also empty) off.
  EXPECT_EQ(env({{"PEAKSCOPE_GPU_COLOUR", "1"}}).colour_on_gpu, std::optional<bool>(true));
  EXPECT_EQ(env({{"PEAKSCOPE_GPU_COLOUR", "0"}}).colour_on_gpu, std::optional<bool>(false));
  EXPECT_EQ(env({{"PEAKSCOPE_GPU_COLOUR", ""}}).colour_on_gpu, std::optional<bool>(false));
  EXPECT_EQ(env({{"PEAKSCOPE_VIEWER_GPU_SCENE", "1"}}).scene_on_gpu, std::optional<bool>(true));
  EXPECT_EQ(env({{"PEAKSCOPE_VIEWER_GPU_SCENE", "yes"}}).scene_on_gpu, std::optional<bool>(false));
}

TEST(DeviceTraitsTest, OverridesWin) {
  const DeviceEnv copy = env({{"PEAKSCOPE_GPU_PLACEMENT", "copy"}});
  EXPECT_EQ(device_traits(kLlvmpipe, copy).placement, Placement::kDeviceCopy);
  EXPECT_TRUE(device_traits(kLlvmpipe, copy).unified_memory);  // the fact stays
  EXPECT_EQ(device_traits(kNvidia, env({{"PEAKSCOPE_GPU_PLACEMENT", "inplace"}})).placement,
            Placement::kInPlace);
  const DeviceEnv on = env({{"PEAKSCOPE_GPU_COLOUR", "1"}, {"PEAKSCOPE_VIEWER_GPU_SCENE", "1"}});
  EXPECT_TRUE(device_traits(kLlvmpipe, on).colour_on_gpu);
  EXPECT_TRUE(device_traits(kLlvmpipe, on).scene_on_gpu);
  const DeviceEnv off = env({{"PEAKSCOPE_GPU_COLOUR", "0"}, {"PEAKSCOPE_VIEWER_GPU_SCENE", "0"}});
  EXPECT_FALSE(device_traits(kNvidia, off).colour_on_gpu);
  EXPECT_FALSE(device_traits(kNvidia, off).scene_on_gpu);
  // The overrides change choices, not what the device is.
  EXPECT_TRUE(device_traits(kLlvmpipe, on).software_rasteriser);
  EXPECT_TRUE(device_traits(kNvidia, off).fast_doubles);
}

}  // namespace
}  // namespace peakscope::gpu
