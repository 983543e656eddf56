// peakscope-cli: the headless front end (same engines as the viewer, no window).
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "app/cli/decode.hpp"
#include "app/cli/demo.hpp"

int main(int argc, char** argv) {
  CLI::App app{"peakscope-cli: soft-argmax decoding of keypoint heatmaps, headless"};
  app.require_subcommand(1);

  peakscope::cli::DemoArgs demo;
  auto* demo_cmd = app.add_subcommand("demo", "reproduce the seed article (toy + 4 PNGs)");
  demo_cmd->add_option("--out", demo.out_dir, "folder for the PNGs")->capture_default_str();
  demo_cmd->add_option("--seed", demo.seed, "scene RNG seed")->capture_default_str();

  peakscope::cli::DecodeArgs dec;
  auto* dec_cmd = app.add_subcommand("decode", "decode every frame and channel to JSON or CSV");
  peakscope::cli::add_source_options(dec_cmd, dec.src);
  dec_cmd->add_option("--beta", dec.beta, "inverse temperature (> 0)")->capture_default_str();
  dec_cmd->add_option("--normalize", dec.normalize, "max | none")->capture_default_str();
  dec_cmd->add_option("--backend", dec.backend, "auto | gpu | cpu")->capture_default_str();
  dec_cmd->add_option("--format", dec.format, "json | csv")->capture_default_str();
  dec_cmd->add_option("--out", dec.out, "output file (default: stdout)");

  peakscope::cli::SweepArgs sw;
  auto* sw_cmd = app.add_subcommand("sweep", "comparison sheets and a CSV over several betas");
  peakscope::cli::add_source_options(sw_cmd, sw.src);
  sw_cmd->add_option("--betas", sw.betas, "comma-separated betas")->capture_default_str();
  sw_cmd->add_option("--normalize", sw.normalize, "max | none")->capture_default_str();
  sw_cmd->add_option("--backend", sw.backend, "auto | gpu | cpu")->capture_default_str();
  sw_cmd->add_option("--out", sw.out_dir, "output folder")->required();
  sw_cmd->add_option("--channel", sw.channel, "channel drawn on the sheets")->capture_default_str();
  sw_cmd->add_option("--max-frames", sw.max_frames, "stop after N frames (-1: all)")
      ->capture_default_str();
  sw_cmd->add_option("--colormap", sw.colormap, "jet | viridis | turbo | inferno | gray")
      ->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  try {
    if (demo_cmd->parsed()) return peakscope::cli::run_demo(demo);
    if (dec_cmd->parsed()) return peakscope::cli::run_decode(dec);
    if (sw_cmd->parsed()) return peakscope::cli::run_sweep(sw);
  } catch (const std::exception& e) {
    std::cerr << "peakscope-cli: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
