// Backend selection: the one function that turns a user's --backend (and the environment)
// into an Engine, with the reason when the engine is not the one asked for.
//
// Rules: Backend::kCpu never touches GL. PEAKSCOPE_BACKEND=cpu in the environment forces the
// CPU. kGpu and kAuto try the GL engine; any failure (no EGL, no current context, GL below
// 4.3, a missing extension, a shader that fails) gives the CPU engine and the reason. kAuto
// takes the CPU on a software rasteriser (llvmpipe, softpipe, SWR), where emulated shaders
// are far slower than the SIMD CPU engine, without measuring; on a hardware GPU it returns an
// AutoEngine (core/engine/auto_engine.hpp) that times both engines on the first frames and keeps
// the faster. kGpu forces the GL path everywhere.
#pragma once

#include <memory>
#include <string>

#include "core/engine/engine.hpp"

namespace peakscope {

enum class ContextMode {
  kOwnHeadless,  // the engine creates and owns a headless EGL context (CLI, bench, tests)
  kCurrent,      // the engine uses the context current on this thread (the viewer's window)
};

struct EngineChoice {
  std::unique_ptr<Engine> engine;  // never null
  std::string reason;              // empty when the engine asked for runs; else why the CPU
};

// Picks and creates the engine. Never throws for an unavailable GPU; with quiet = false the
// reason is printed once to stderr ("peakscope: ..."). A GPU engine returned here falls back
// to the CPU by itself if the GPU fails later (Engine::fallback_reason says why, and each
// DecodedFrame's backend() which engine decoded it).
EngineChoice select_engine(Backend want, ContextMode mode, bool quiet);

}  // namespace peakscope
