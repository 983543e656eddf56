// The decoding-lab flags of `decode`: --decoders, --coords (+ --input-size, --udp) and the
// refinements' parameters, and what they add to each channel of the JSON and CSV.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/decode.hpp"
#include "core/heatmap.hpp"
#include "core/lab/coords.hpp"
#include "core/lab/decoder.hpp"

namespace peakscope::cli {

struct LabFlags {
  std::string decoders;  // empty: none (unless --coords is given: then argmax,softargmax)
  std::string coords = "index";
  std::string input_size;  // WxH, for --coords image
  bool udp = false;
  double window_beta = NAN;  // NaN (not given): the --beta of the command
  DecoderParams params;
};

// Registers the flags on a subcommand.
void add_lab_flags(CLI::App& app, LabFlags& f);

// The resolved flags: which decoders, in which convention, with which parameters.
struct Lab {
  std::vector<DecoderKind> decoders;  // empty: the lab adds nothing to the output
  CoordConvention coords;
  DecoderParams params;

  bool active() const { return !decoders.empty(); }
  // {"coords": "image", "input_size": "192x256", "udp": true} fields for the JSON header.
  void describe(nlohmann::ordered_json& header) const;
  // {"quarter": {"x", "y", "score"}, ...} of one channel of a width x height map, in the
  // chosen convention; points[i] is decoders[i]'s result (decode_lab's row for the channel).
  nlohmann::ordered_json channel_json(const std::vector<DecodedPoint>& points, int width,
                                      int height) const;
  // ",quarter_x_index,quarter_y_index,...": a pair per decoder named <decoder>_x_<coords>,
  // <decoder>_y_<coords> (the convention in every name, so no name repeats the engine's own
  // argmax_x, softargmax_x columns), and the matching values of one channel in the JSON's
  // spelling (app/cli/csv.hpp).
  std::string csv_header() const;
  std::string csv_values(const std::vector<DecodedPoint>& points, int width, int height) const;
};

// Checks and resolves the flags; throws UsageError naming the flag and the value.
Lab resolve_lab(const LabFlags& f, double beta);

}  // namespace peakscope::cli
