// The nearest known name for a mistyped subcommand or flag, for the CLI and the viewer:
// `peakscope-cli decoed` says "unknown subcommand 'decoed'; did you mean 'decode'?" and
// `--betta 3` "unknown flag '--betta'; did you mean '--beta'?" instead of CLI11's generic
// "A subcommand is required" / "The following arguments were not expected".
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace peakscope::common {

// Edits between a and b: insertions, deletions, substitutions and swaps of two neighbours
// (optimal string alignment), so "decoed" is 1 from "decode".
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i)
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

// The candidate nearest to `word` when it is near enough to be a typo of it (at most 1 edit
// for words up to 4 letters, 2 up to 8, 3 beyond; leading dashes not counted), or the only
// candidate `word` begins (at least 3 letters: "--max" for "--max-frames"); empty otherwise.
inline std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates) {
  auto bare = [](std::string_view s) {
    return s.substr(std::min(s.find_first_not_of('-'), s.size()));
  };
  const std::string_view w = bare(word);
  if (w.empty()) return {};
  const std::size_t limit = w.size() <= 4 ? 1 : w.size() <= 8 ? 2 : 3;
  std::string best;
  std::size_t best_d = limit + 1;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(w, bare(c));
    if (d < best_d) best_d = d, best = c;
  }
  if (!best.empty() || w.size() < 3) return best;
  std::vector<std::string> starts;
  for (const std::string& c : candidates)
    if (bare(c).substr(0, w.size()) == w) starts.push_back(c);
  return starts.size() == 1 ? starts[0] : std::string();
}

// After CLI11 refused a command line with `e`: one line naming an unknown subcommand or flag
// and the nearest known one ("unknown flag '--betta'; did you mean '--beta'?"), or empty when
// the error is about something else (then CLI11's own message is the one to print).
inline std::string unknown_name_message(CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == 0) return {};  // --help
  CLI::App* cmd = &app;                   // the deepest subcommand parsed
  while (!cmd->get_subcommands().empty()) cmd = cmd->get_subcommands().front();
  const std::vector<std::string> extras = app.remaining(true);
  auto is_number = [](const std::string& t) {
    char* end = nullptr;
    std::strtod(t.c_str(), &end);
    return end != t.c_str() && *end == '\0';
  };
  // No subcommand given where one is needed: the first word was meant to be one.
  const std::vector<CLI::App*> subs = app.get_subcommands([](CLI::App*) { return true; });
  if (cmd == &app && !subs.empty()) {
    std::vector<std::string> names;
    for (const CLI::App* s : subs) names.push_back(s->get_name());
    std::string all;
    for (std::size_t i = 0; i < names.size(); ++i)
      all += (i ? (i + 1 == names.size() ? " or " : ", ") : "") + names[i];
    for (const std::string& t : extras) {
      if (t.empty() || t[0] == '-') continue;
      const std::string near = nearest_name(t, names);
      return "unknown subcommand '" + t + "'; " +
             (near.empty() ? "expected " + all : "did you mean '" + near + "'?");
    }
    if (extras.empty()) return "a subcommand is required: " + all;
  }
  for (std::string t : extras) {
    if (t.size() < 2 || t[0] != '-' || t == "--" || is_number(t)) continue;
    t = t.substr(0, t.find('='));
    std::vector<std::string> names;
    for (const CLI::App* a = cmd; a; a = a->get_parent())
      for (const CLI::Option* o : a->get_options()) {
        for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
        for (const std::string& s : o->get_snames()) names.push_back("-" + s);
      }
    const std::string near = nearest_name(t, names);
    const std::string where = cmd == &app ? "--help" : "'" + cmd->get_name() + " --help'";
    return "unknown flag '" + t + "'; " +
           (near.empty() ? where + " lists the flags" : "did you mean '" + near + "'?");
  }
  return {};
}

}  // namespace peakscope::common
