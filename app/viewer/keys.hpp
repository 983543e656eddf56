// The viewer's keyboard shortcuts: one table drives both the key handling
// (ViewerState::press) and the help text (help_text(), the F1 window and the README).
// No GLFW here: Key values are GLFW's key codes (main.cpp checks this at compile time), so
// the window passes its codes through unchanged.
#pragma once

#include <string>
#include <vector>

namespace peakscope::viewer {

enum class Key : int {
  kSpace = 32,
  kComma = 44,
  kPeriod = 46,
  k0 = 48,
  k1,
  k2,
  k3,
  k4,
  k5,
  k6,
  k7,
  k8,
  k9,
  kA = 65,
  kB = 66,
  kC = 67,
  kG = 71,
  kH = 72,
  kK = 75,
  kL = 76,
  kM = 77,
  kN = 78,
  kO = 79,
  kP = 80,
  kR = 82,
  kS = 83,
  kV = 86,
  kX = 88,
  kRight = 262,
  kLeft = 263,
  kDown = 264,
  kUp = 265,
  kF1 = 290,
};

// What a key does. kCount is the number of actions (every one has exactly one binding).
enum class Action {
  kBetaUp,
  kBetaDown,
  kPause,
  kStep,
  kStepBack,  // the timeline (app/viewer/timeline.hpp): one frame back, pausing
  kLoop,
  kPin,
  kCompareAB,
  kNormalize,
  kLogScale,
  kBackend,
  kResetView,
  kAllChannels,
  kOverlay,
  kChannel,  // the digit pressed is the channel number (0-based, as labels and the CLI)
  kScreenshot,
  kSheet,
  kBetaGrid,
  kRecord,
  kHelp,
  kCount
};

struct KeyBinding {
  Action action;
  std::vector<Key> keys;  // any of them triggers the action
  const char* help;       // what it does, one line
};

// Every binding, in the order the help lists them.
const std::vector<KeyBinding>& key_table();
// The binding containing `k`, or nullptr when k is not bound.
const KeyBinding* find_binding(Key k);
// The key's name as the help shows it ("Left", "Space", "F1", "S").
const char* key_name(Key k);
// The key named `name` (as key_name spells it, case-insensitive for letters; "comma" for ",",
// which separates --press's list); throws
// std::invalid_argument naming the text when no bound key has that name.
Key parse_key(const std::string& name);
// The keys of a binding as the help shows them: names joined by " / ", a run of digits as
// "0..9".
std::string keys_text(const KeyBinding& b);
// The whole help: one line per binding, then the mouse.
std::string help_text();

}  // namespace peakscope::viewer
