#include "app/cli/decode_flags.hpp"

#include <algorithm>
#include <cstdio>

#include "core/engine/engine.hpp"

namespace peakscope::cli {

void add_decode_flags(CLI::App& app, DecodeFlags& f, bool with_beta) {
  if (with_beta) {
    // parse_beta is the one parser of a user's beta: its message, on the raw text.
    const CLI::Validator beta_check(
        [](std::string& text) -> std::string {
          try {
            char canon[40];  // what CLI11 converts next: exactly the value parse_beta read
            std::snprintf(canon, sizeof canon, "%.17g", parse_beta(text));
            text = canon;
            return {};
          } catch (const std::invalid_argument& e) {
            return e.what();
          }
        },
        "BETA");
    app.add_option("--beta", f.beta, "inverse temperature, in [1e-30, 1e30]")
        ->check(beta_check)
        ->capture_default_str();
  }
  app.add_option("--normalize", f.normalize,
                 "max: divide by the map's max before beta | none (default: max; none for "
                 "--pose, whose maps are logits)")
      ->check(common::parsed_by(common::parse_normalize));
  app.add_option("--backend", f.backend, "auto | gpu | cpu")
      ->check(common::parsed_by(parse_backend))
      ->capture_default_str();
  app.add_flag("-v,--verbose", f.verbose,
               "say which engine runs and why (by default only when --backend gpu is not met)");
}

void add_max_frames_option(CLI::App& app, long& max_frames) {
  // A positive count or "all" (-1 inside): -1, 0 and -5 are refused, never taken as "all".
  app.add_option("--max-frames", max_frames, "stop after N frames (N >= 1), or all")
      ->transform(CLI::Validator(
          [](std::string& t) -> std::string {
            try {
              t = std::to_string(common::parse_count(t, "all"));
              return {};
            } catch (const std::invalid_argument& e) {
              return e.what();
            }
          },
          "N|all"))
      ->default_str("all");
}

EngineChoice choose_engine(const DecodeFlags& f) {
  const Backend want = parse_backend(f.backend);
  return select_engine(want, ContextMode::kOwnHeadless,
                       /*quiet=*/!(f.verbose || want == Backend::kGpu));
}

std::vector<double> parse_betas(const std::vector<std::string>& items, const char* flag,
                                bool empty_ok) {
  std::vector<double> out;
  for (const std::string& item : items) {
    if (item.empty()) continue;  // --betas "" is an empty list
    try {
      out.push_back(parse_beta(item));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string(flag) + ": " + e.what());
    }
  }
  if (out.empty() && !empty_ok) throw UsageError(std::string(flag) + ": no beta given");
  return out;
}

std::vector<double> merge_duplicate_betas(const std::vector<double>& values, const char* flag) {
  std::vector<double> out;
  std::vector<int> times;
  for (double v : values) {
    const auto it = std::find(out.begin(), out.end(), v);
    if (it == out.end()) {
      out.push_back(v);
      times.push_back(1);
    } else {
      ++times[static_cast<std::size_t>(it - out.begin())];
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    if (times[i] > 1)
      std::fprintf(stderr, "peakscope-cli: %s: %g given %d times, used once\n", flag, out[i],
                   times[i]);
  return out;
}

std::unique_ptr<io::Source> open_input(const std::string& input, const common::SourceArgs& a) {
  io::SourceOptions o;
  try {
    o = common::to_source_options(a);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return io::open_source(input, o);
}

}  // namespace peakscope::cli
