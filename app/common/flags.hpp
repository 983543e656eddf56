// How the CLI and the viewer declare their flags with CLI11: a comma-separated list, a value
// checked by its own parser (one message for the flag, the settings file and the code), a
// count, and the words of --normalize.
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/enum_names.hpp"

namespace peakscope::common {

// --normalize: max (divide by the map's max before beta) or none.
inline constexpr EnumName<bool> kNormalizeNames[] = {{true, "max"}, {false, "none"}};
inline const char* normalize_name(bool on) {
  return enum_name(kNormalizeNames, on);
}
// Throws std::invalid_argument "unknown normalize mode 'x' (expected max or none)".
inline bool parse_normalize(std::string_view s) {
  return parse_enum(kNormalizeNames, s, "normalize mode");
}

// A comma-separated list flag split by CLI11: "--betas 1,10,100" (or "--betas 1 --betas 10,100")
// gives one string per item, empty items dropped (but --betas "" gives one empty item: callers
// skip it); the word after the list stays a positional argument. Items are checked by the
// caller (its message names the flag and the item).
inline CLI::Option* add_list_option(CLI::App& app, const std::string& name,
                                    std::vector<std::string>& items, const std::string& help) {
  return app.add_option(name, items, help)->delimiter(',')->allow_extra_args(false);
}

// A count typed on the command line (--frames, --max-frames): a whole number in [1, max], or
// `all_word` (when given; e.g. "all") which gives -1. Throws std::invalid_argument naming the
// value and the allowed range: "-1" is not taken to mean "endless", nor "0" or "-5" "all".
inline long parse_count(std::string_view text, const char* all_word = nullptr,
                        long max = std::numeric_limits<long>::max()) {
  if (all_word && text == all_word) return -1;
  long v = 0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end || v < 1 || v > max)
    throw std::invalid_argument(std::string("expected a whole number from 1 to ") +
                                std::to_string(max) +
                                (all_word ? std::string(" or '") + all_word + "'" : std::string()) +
                                ", got '" + std::string(text) + "'");
  return v;
}

// A seed: a whole number from 0 to 2^64 - 1. Throws std::invalid_argument naming the value
// and the range (CLI11 alone would wrap "-1" to 2^64 - 1).
inline unsigned long long parse_seed(std::string_view text) {
  unsigned long long v = 0;
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end)
    throw std::invalid_argument("expected a whole number from 0 to " +
                                std::to_string(std::numeric_limits<unsigned long long>::max()) +
                                ", got '" + std::string(text) + "'");
  return v;
}

// A check that runs `parse` (any callable taking the text and throwing std::invalid_argument)
// on the value, so CLI11 rejects it with the parser's own message after the flag's name:
// "--backend: unknown backend 'tpu' (expected auto, gpu or cpu)".
template <class Parse>
CLI::Validator parsed_by(Parse parse) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        try {
          parse(text);
          return {};
        } catch (const std::invalid_argument& e) {
          return e.what();
        }
      },
      "");
}

}  // namespace peakscope::common
