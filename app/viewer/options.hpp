// The viewer's command line: the CLI11 flags, their validation (through the same setters and
// parsers as the controls, so each rejected value has one message) and their merge over the
// saved settings, which an interactive run loads and a scripted run (--frames) ignores.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/viewer/scripted_run.hpp"
#include "app/viewer/settings.hpp"
#include "app/viewer/timeline.hpp"
#include "core/io/source.hpp"
#include "core/lab/decoder.hpp"

namespace peakscope::viewer {

// The timeline and compare flags (app/viewer/timeline.hpp).
struct TimelineOptions {
  std::size_t cache_mb = 512;  // --cache-mb: the frame cache's budget (0: none)
  // --loop on|off; unset: on in the window, off in a scripted run (which stops at the end).
  std::optional<bool> loop;
  long seek = -1;              // --seek N: start at frame N
  long pin = -1;               // --pin N: pin frame N when it is shown
  std::optional<ABSide> a, b;  // --ab A,B: compare A and B on the current frame
};

struct ViewerOptions {
  Settings settings;                 // the saved settings (interactive) with the flags applied
  std::string settings_path;         // where an interactive run saves them on exit
  io::SourceOptions source_options;  // for every source opened (--transform, --model, --seed...)
  std::vector<DecoderKind> lab_decoders;           // --decoders
  bool gradient_view = false;                      // --gradient
  bool show_frame = false;                         // --show-frame
  bool plot_log_y = false;                         // --plot-log-y
  double grid_shift_x = 0, grid_shift_y = 0;       // --grid-shift DX,DY (cells)
  std::optional<std::vector<int>> drawn_channels;  // --channels LIST (nullopt: all)
  int width = 1280, height = 800;                  // --width, --height
  TimelineOptions timeline;                        // --cache-mb, --loop, --seek, --pin, --ab
  double sheet_scale = 1;                          // --sheet-scale: saved sheets' size factor
  ScriptOptions script;  // --frames, the captures, --record, --press, --mouse, --sweep-beta...
};

// Parses argv into `out` and prints a settings file's warning. Returns the exit status when
// the program stops here: 0 after --help; 2 for a usage error (CLI11's message, or
// "peakscope: <why>" and a hint to --help); nullopt when the viewer is to run.
std::optional<int> parse_options(int argc, char** argv, ViewerOptions& out);

}  // namespace peakscope::viewer
