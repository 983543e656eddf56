#include "app/viewer/keys.hpp"

#include <cctype>
#include <optional>
#include <stdexcept>

#include "core/enum_names.hpp"

namespace peakscope::viewer {

const std::vector<KeyBinding>& key_table() {
  static const std::vector<KeyBinding> table = {
      {Action::kBetaUp, {Key::kRight, Key::kUp}, "beta x 1.1 (Shift: x 2)"},
      {Action::kBetaDown, {Key::kLeft, Key::kDown}, "beta / 1.1 (Shift: / 2)"},
      {Action::kPause, {Key::kSpace}, "pause / play"},
      {Action::kStep, {Key::kN, Key::kPeriod}, "step one frame"},
      {Action::kStepBack, {Key::kComma}, "one frame back (pauses; files only)"},
      {Action::kLoop, {Key::kK}, "loop at the end on / off (files only)"},
      {Action::kPin, {Key::kP}, "pin this frame beside the current one / unpin"},
      {Action::kCompareAB, {Key::kX}, "A/B: two betas or decoders side by side on / off"},
      {Action::kNormalize, {Key::kM}, "normalise by max on / off"},
      {Action::kLogScale, {Key::kL}, "softmax view log / linear"},
      {Action::kBackend, {Key::kB}, "switch to the other engine (GPU <-> CPU)"},
      {Action::kResetView, {Key::kR}, "reset zoom and pan"},
      {Action::kAllChannels, {Key::kA}, "all channels"},
      {Action::kOverlay, {Key::kO}, "overlay on the source image: off / max / all joints"},
      {Action::kChannel,
       {Key::k0, Key::k1, Key::k2, Key::k3, Key::k4, Key::k5, Key::k6, Key::k7, Key::k8, Key::k9},
       "show channel 0..9 alone"},
      {Action::kScreenshot, {Key::kS}, "save the window as PNG"},
      {Action::kSheet, {Key::kC}, "save a comparison sheet"},
      {Action::kBetaGrid, {Key::kG}, "save a beta-grid sheet"},
      {Action::kRecord, {Key::kV}, "start / stop recording the window to .mp4"},
      {Action::kHelp, {Key::kF1, Key::kH}, "this help"},
  };
  return table;
}

const KeyBinding* find_binding(Key k) {
  for (const KeyBinding& b : key_table())
    for (Key x : b.keys)
      if (x == k) return &b;
  return nullptr;
}

namespace {
constexpr EnumName<Key> kKeyNames[] = {
    {Key::kSpace, "Space"}, {Key::kPeriod, "."},  {Key::kComma, ","},   {Key::kK, "K"},
    {Key::kP, "P"},         {Key::kX, "X"},       {Key::k0, "0"},       {Key::k1, "1"},
    {Key::k2, "2"},         {Key::k3, "3"},       {Key::k4, "4"},       {Key::k5, "5"},
    {Key::k6, "6"},         {Key::k7, "7"},       {Key::k8, "8"},       {Key::k9, "9"},
    {Key::kA, "A"},         {Key::kB, "B"},       {Key::kC, "C"},       {Key::kG, "G"},
    {Key::kH, "H"},         {Key::kL, "L"},       {Key::kM, "M"},       {Key::kN, "N"},
    {Key::kO, "O"},         {Key::kR, "R"},       {Key::kS, "S"},       {Key::kV, "V"},
    {Key::kRight, "Right"}, {Key::kLeft, "Left"}, {Key::kDown, "Down"}, {Key::kUp, "Up"},
    {Key::kF1, "F1"}};
}  // namespace

const char* key_name(Key k) {
  return enum_name(kKeyNames, k);
}

Key parse_key(const std::string& name) {
  std::string n = name;
  if (n.size() == 1) n[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(n[0])));
  // "," separates --press's keys: the comma key is also spelt "comma".
  std::string lower = name;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "comma") return Key::kComma;
  if (const std::optional<Key> k = find_enum(kKeyNames, n); k && find_binding(*k)) return *k;
  throw std::invalid_argument("no key named '" + name + "' (F1 lists them)");
}

std::string keys_text(const KeyBinding& b) {
  std::string s;
  for (std::size_t i = 0; i < b.keys.size(); ++i) {
    // A run of consecutive digit keys is written first..last.
    std::size_t j = i;
    const auto digit = [](Key k) { return k >= Key::k0 && k <= Key::k9; };
    while (digit(b.keys[i]) && j + 1 < b.keys.size() && digit(b.keys[j + 1]) &&
           static_cast<int>(b.keys[j + 1]) == static_cast<int>(b.keys[j]) + 1)
      ++j;
    if (!s.empty()) s += " / ";
    s += key_name(b.keys[i]);
    if (j > i + 1) {
      s += "..";
      s += key_name(b.keys[j]);
      i = j;
    }
  }
  return s;
}

std::string help_text() {
  std::string out;
  auto line = [&](const std::string& keys, const char* what) {
    out += keys;
    out.append(keys.size() < 18 ? 18 - keys.size() : 1, ' ');
    out += what;
    out += '\n';
  };
  for (const KeyBinding& b : key_table()) line(keys_text(b), b.help);
  line("Mouse wheel", "zoom at the cursor");
  line("Drag", "pan (R resets)");
  line("Drop a file", "open it as the source");
  return out;
}

}  // namespace peakscope::viewer
