#include "app/cli/demo.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "core/cpu/cpu_engine.hpp"
#include "core/io/sheets.hpp"
#include "core/reference.hpp"
#include "core/scene.hpp"

namespace peakscope::cli {

namespace {

void print_toy() {
  const HeatmapView toy = HeatmapView::dense(kToyArray, 4, 4);
  std::printf("toy heatmap (4x4):\n");
  for (int y = 0; y < 4; ++y) {
    std::printf("  [");
    for (int x = 0; x < 4; ++x) std::printf("%s%3.0f", x ? ", " : "", toy.at(0, y, x));
    std::printf("]\n");
  }
  const DecodeOptions opt{10.0, false};
  const Keypoint k = reference::decode(toy, 0, opt);
  std::printf("beta = 10, no normalisation\n");
  std::printf("argmax (row, col)            : (%d, %d)\n", static_cast<int>(k.argmax_y),
              static_cast<int>(k.argmax_x));
  std::printf("soft-argmax (row, col)       : (%.17g, %.17g)\n", k.soft_y, k.soft_x);
  std::printf("soft-argmax rounded (row,col): (%ld, %ld)\n", std::lround(k.soft_y),
              std::lround(k.soft_x));
}

}  // namespace

int run_demo(const DemoArgs& args) {
  print_toy();

  SceneConfig cfg;  // the seed: 256 x 256, 40 subjects, sigma (FWHM) 33
  cfg.seed = args.seed;
  const Scene scene(cfg);
  const Heatmap map = scene.render(ElemType::kUInt8);
  const DecodeOptions opt{100.0, true};
  CpuEngine engine;
  std::vector<float> p(map.view().pixels());
  const Keypoint k = engine.softmax_map(map.view(), 0, opt, p.data());
  std::printf("\nscene 256x256, 40 subjects, sigma 33, seed %llu, beta 100, normalised by max\n",
              static_cast<unsigned long long>(args.seed));
  std::printf("argmax (x, y)      : (%g, %g) value %g\n", k.argmax_x, k.argmax_y, k.argmax_value);
  std::printf("soft-argmax (x, y) : (%.4f, %.4f) rounded (%ld, %ld)\n", k.soft_x, k.soft_y,
              std::lround(k.soft_x), std::lround(k.soft_y));
  std::printf("peak probability   : %.6f\n", k.peak_probability);

  const io::SeedPanels panels = io::make_seed_panels(map.view(), 0, k, p);
  std::error_code ec;
  std::filesystem::create_directories(args.out_dir, ec);
  if (ec) {
    std::cerr << "peakscope-cli demo: cannot create " << args.out_dir << ": " << ec.message()
              << "\n";
    return 1;
  }
  const std::filesystem::path dir(args.out_dir);
  io::write_png((dir / "heatmap.png").string(), panels.heatmap);
  io::write_png((dir / "argmax.png").string(), panels.argmax);
  // The seed writes p * 255 cast to uint8 (a faint spot: p_max is small), not a stretched map.
  io::write_png((dir / "softmax.png").string(),
                io::seed_softmax_image(reference::softmax(map.view(), 0, opt), map.view().width,
                                       map.view().height));
  io::write_png((dir / "softargmax.png").string(), panels.softargmax);
  std::printf("wrote %s/{heatmap,argmax,softmax,softargmax}.png\n", args.out_dir.c_str());
  return 0;
}

}  // namespace peakscope::cli
