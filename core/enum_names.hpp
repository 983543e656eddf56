// Names of the values of a small set (an enum, or a bool shown as words): one table per set
// drives parsing, printing and the list of choices, so a flag, a settings file and a message
// can never disagree.
//
// A table is an array of {value, name}; the first entry of a value gives its canonical name
// (what enum_name prints and enum_choices lists), later entries of the same value are accepted
// aliases ("grey" for gray):
//
//   inline constexpr EnumName<Colormap> kColormapNames[] = {
//       {Colormap::kJet, "jet"}, {Colormap::kGray, "gray"}, {Colormap::kGray, "grey"}};
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace peakscope {

template <class T>
struct EnumName {
  T value;
  const char* name;
};

// The canonical name of `v`, or "?" when the table does not list it.
template <class T, std::size_t N>
constexpr const char* enum_name(const EnumName<T> (&table)[N], T v) {
  for (const EnumName<T>& e : table)
    if (e.value == v) return e.name;
  return "?";
}

// The value named `s` (exact match, canonical names and aliases), or nullopt.
template <class T, std::size_t N>
constexpr std::optional<T> find_enum(const EnumName<T> (&table)[N], std::string_view s) {
  for (const EnumName<T>& e : table)
    if (s == e.name) return e.value;
  return std::nullopt;
}

// The canonical names in table order.
template <class T, std::size_t N>
std::vector<std::string> enum_names(const EnumName<T> (&table)[N]) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < N; ++i) {
    bool first = true;
    for (std::size_t j = 0; j < i; ++j) first = first && !(table[j].value == table[i].value);
    if (first) out.emplace_back(table[i].name);
  }
  return out;
}

// Names as a message lists them: "a", "a or b", "a, b or c".
inline std::string choices_text(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

// The error for a name outside `choices`: "unknown <what> '<s>' (expected a, b or c)".
inline std::invalid_argument unknown_name(std::string_view what, std::string_view s,
                                          const std::vector<std::string>& choices) {
  return std::invalid_argument("unknown " + std::string(what) + " '" + std::string(s) +
                               "' (expected " + choices_text(choices) + ")");
}

// The canonical names as a message lists them.
template <class T, std::size_t N>
std::string enum_choices(const EnumName<T> (&table)[N]) {
  return choices_text(enum_names(table));
}

// The value named `s`; throws unknown_name(what, s, the canonical names).
template <class T, std::size_t N>
T parse_enum(const EnumName<T> (&table)[N], std::string_view s, std::string_view what) {
  if (const std::optional<T> v = find_enum(table, s)) return *v;
  throw unknown_name(what, s, enum_names(table));
}

}  // namespace peakscope
