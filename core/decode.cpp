// parse_beta: the one parser of a user's beta (CLI flags, viewer flags, typed box, settings).
#include "core/decode.hpp"

#include <charconv>
#include <string>

namespace peakscope {

double parse_beta(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec == std::errc::invalid_argument || end != t.data() + t.size())
    throw std::invalid_argument("beta must be a number, got '" + std::string(text) + "'");
  if (ec == std::errc::result_out_of_range)
    throw std::invalid_argument("beta must be a finite number in [1e-30, 1e+30], got '" +
                                std::string(text) + "'");
  validate_beta(v);
  return v;
}

}  // namespace peakscope
