// Splitting a list a user typed ("argmax,dark", "10,20,200,100") where no command-line parser
// does it: a value with its own grammar (--roi track:x,y,w,h, --decoders with "all").
// Options that are plain lists are split by CLI11 (app/common/flags.hpp, add_list_option).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace peakscope {

// The items of `text` between separators, as std::getline reads them: "a,,b" -> {a, "", b},
// "a," -> {a}, "" -> {}. Items are not trimmed.
inline std::vector<std::string> split_list(std::string_view text, char sep = ',') {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find(sep, pos), text.size());
    out.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace peakscope
