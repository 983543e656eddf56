// The viewer's engine: one Engine on the window's GL context (the GPU engine) or the CPU
// engine, with the reason when the one asked for does not run.
#pragma once

#include <memory>
#include <string>

#include "core/engine.hpp"

namespace peakscope::viewer {

struct EngineChoice {
  std::unique_ptr<Engine> engine;
  std::string reason;  // empty when the engine asked for runs
};

// Needs the window's context current. Never throws for an unavailable GPU.
EngineChoice choose_engine(Backend want);

}  // namespace peakscope::viewer
