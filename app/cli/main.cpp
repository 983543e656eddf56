// peakscope-cli: the headless front end (same engines as the viewer, no window).
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "app/cli/demo.hpp"

int main(int argc, char** argv) {
  CLI::App app{"peakscope-cli: soft-argmax decoding of keypoint heatmaps, headless"};
  app.require_subcommand(1);

  peakscope::cli::DemoArgs demo;
  auto* demo_cmd = app.add_subcommand("demo", "reproduce the seed article (toy + 4 PNGs)");
  demo_cmd->add_option("--out", demo.out_dir, "folder for the PNGs")->capture_default_str();
  demo_cmd->add_option("--seed", demo.seed, "scene RNG seed")->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  try {
    if (demo_cmd->parsed()) return peakscope::cli::run_demo(demo);
  } catch (const std::exception& e) {
    std::cerr << "peakscope-cli: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
