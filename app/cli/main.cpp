// peakscope-cli: the headless front end (same engines as the viewer, no window).
// Exit codes: 0 done, 1 bad input (the message names the file), 2 a bad flag or value,
// 128 + N interrupted by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 141 SIGPIPE).
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "app/cli/accuracy.hpp"
#include "app/cli/decode.hpp"
#include "app/cli/decode_flags.hpp"
#include "app/cli/demo.hpp"
#include "app/cli/evaluate.hpp"
#include "app/cli/sweep.hpp"
#include "app/common/suggest.hpp"
#include "core/io/output_file.hpp"

int main(int argc, char** argv) {
  using namespace peakscope::cli;
  // Outside the commands' own handling (app/cli/interrupt.hpp) a signal still removes the
  // writer's temporary files before it ends the process.
  peakscope::io::remove_temporaries_on_signals();
  peakscope::io::set_output_note_handler(
      [](const std::string& s) { std::cerr << "peakscope-cli: " << s << "\n"; });
  CLI::App app{"peakscope-cli: soft-argmax decoding of keypoint heatmaps, headless"};
  app.require_subcommand(1);

  DemoArgs demo;
  auto* demo_cmd = app.add_subcommand("demo", "reproduce the seed article (toy + 4 PNGs)");
  demo_cmd->add_option("--out", demo.out_dir, "folder for the PNGs")->capture_default_str();
  // Seeds are unsigned: a negative one is refused, not wrapped to 2^64 - 1.
  demo_cmd->add_option("--seed", demo.seed, "scene RNG seed")
      ->check(peakscope::common::parsed_by(peakscope::common::parse_seed))
      ->capture_default_str();

  DecodeArgs dec;
  CLI::App* dec_cmd = add_decode_command(app, dec);
  SweepArgs sw;
  CLI::App* sw_cmd = add_sweep_command(app, sw);
  AccuracyArgs acc;
  CLI::App* acc_cmd = add_accuracy_command(app, acc);
  EvaluateArgs ev;
  CLI::App* ev_cmd = add_evaluate_command(app, ev);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // A mistyped subcommand or flag is named with the nearest known one.
    if (const std::string m = peakscope::common::unknown_name_message(app, e); !m.empty()) {
      std::cerr << "peakscope-cli: " << m << "\nRun with --help for more information.\n";
      return kExitUsage;
    }
    // CLI11 prints the usage message; every usage error (a bad number included) exits 2.
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  dec.frames_given = dec_cmd->count("--frames") > 0;
  try {
    if (demo_cmd->parsed()) return run_demo(demo);
    if (dec_cmd->parsed()) return run_decode(dec);
    if (sw_cmd->parsed()) return run_sweep(sw);
    if (acc_cmd->parsed()) return run_accuracy(acc);
    if (ev_cmd->parsed()) return run_evaluate(ev);
  } catch (const UsageError& e) {
    std::cerr << "peakscope-cli: " << e.what() << "\nRun with --help for more information.\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "peakscope-cli: " << e.what() << "\n";
    return kExitBadInput;
  }
  return kExitOk;
}
