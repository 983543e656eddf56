#include "app/cli/run_loop.hpp"

#include "app/cli/decode_flags.hpp"
#include "app/cli/interrupt.hpp"
#include "app/cli/progress.hpp"
#include "core/scene_frame.hpp"

namespace peakscope::cli {

RunOutcome run_frames(const std::string& input, io::Source& src, long max_frames, long total,
                      bool allow_truncated, const std::function<bool()>& step) {
  RunOutcome r;
  Progress progress(total);
  try {
    while ((max_frames < 0 || r.frames < max_frames) && !InterruptGuard::signal()) {
      if (!step()) break;
      progress.update(++r.frames);
    }
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    r.error = e.what();
    r.code = kExitBadInput;
  }
  progress.finish();
  r.stopped = src.ended_short();
  end_of_run(input, r.frames, r.stopped, allow_truncated, r.error, r.code);
  return r;
}

std::optional<DecodedSourceFrame> next_decoded(io::Source& src, Engine& engine,
                                               const DecodeOptions& opt, bool host_frames) {
  if (!host_frames) {
    if (const std::optional<io::FrameShape> shape = src.next_shape()) {
      FrameSlot slot = engine.acquire(*shape);
      std::optional<io::Frame> f = src.next_into(slot.view());
      if (!f) return std::nullopt;
      DecodedFrame d = engine.decode(std::move(slot), opt);
      return DecodedSourceFrame{std::move(*f), std::move(d)};
    }
  }
  std::optional<io::Frame> f = src.next();
  if (!f) return std::nullopt;
  if (f->heatmap.width() == 0 && f->scene) {  // the engine makes the frame (gpu-synthetic)
    DecodedFrame d = engine.decode(SceneFrame(*f->scene, false, f->scene_type), opt);
    return DecodedSourceFrame{std::move(*f), std::move(d)};
  }
  DecodedFrame d = engine.decode(f->heatmap.view(), opt);
  return DecodedSourceFrame{std::move(*f), std::move(d)};
}

}  // namespace peakscope::cli
