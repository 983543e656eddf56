// The viewer's engine: core/gpu's select_engine on the window's current context.
#include "app/viewer/engine_choice.hpp"

#include "core/gpu/select_engine.hpp"

namespace peakscope::viewer {

EngineChoice choose_engine(Backend want) {
  gpu::EngineChoice c = gpu::select_engine(want, gpu::ContextMode::kCurrent, /*quiet=*/true);
  EngineChoice out;
  out.engine = std::move(c.engine);
  out.reason = std::move(c.reason);
  return out;
}

}  // namespace peakscope::viewer
