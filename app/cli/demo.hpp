// `peakscope-cli demo`: reproduces the seed article.
#pragma once

#include <cstdint>
#include <string>

namespace peakscope::cli {

struct DemoArgs {
  std::string out_dir = ".";
  std::uint64_t seed = 0;
};

// Prints the 4x4 toy example and writes heatmap.png, argmax.png, softmax.png and
// softargmax.png into out_dir. Returns the process exit code; errors go to stderr.
int run_demo(const DemoArgs& args);

}  // namespace peakscope::cli
