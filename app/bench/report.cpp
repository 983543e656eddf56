#include "app/bench/report.hpp"

namespace peakscope::bench {

namespace {

// A table cell: 3 significant digits below 10, one decimal above; n/a for kNa.
std::string cell(double v) {
  char b[32];
  if (v < 0)
    std::snprintf(b, sizeof b, "n/a");
  else
    std::snprintf(b, sizeof b, v < 10 ? "%.3g" : "%.1f", v);
  return b;
}
// The difference column: "-" when not measured.
std::string diff_cell(double v) {
  return v < 0 ? "-" : cell(v);
}

std::string jnum(double v) {
  char b[32];
  if (v < 0) return "null";
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}
std::string jstr(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\';
    o += (ch == '\n' ? ' ' : ch);
  }
  return o + "\"";
}

}  // namespace

void print_table(const BenchReport& r, std::FILE* out) {
  std::fprintf(out, "device: %s\nCPU engine: %s, %d threads; beta %g; medians in us%s\n",
               r.device.c_str(), r.cpu_target.c_str(), r.cpu_threads, r.beta,
               r.timer_queries ? "" : " (no usable timer queries: kernel n/a)");
  std::fprintf(out, "%-17s %9s %8s %11s %9s %9s %9s %7s %7s %11s %9s %9s\n", "case", "kernel",
               "GB/s", "round trip", "streamed", "in slot", "floor", "ratio", "slot/fl",
               "scene+dec", "CPU", "|GPU-CPU|");
  for (const CaseResult& c : r.cases)
    std::fprintf(
        out, "%-17s %9s %8s %11s %9s %9s %9s %7s %7s %11s %9s %9s%s%s\n", c.name.c_str(),
        cell(c.kernel.us).c_str(), cell(c.kernel.gbs).c_str(), cell(c.round_trip.us).c_str(),
        cell(c.streamed.us).c_str(), cell(c.in_slot.us).c_str(), cell(c.floor.us).c_str(),
        cell(c.ratios.roundtrip_over_floor).c_str(), cell(c.ratios.in_slot_over_floor).c_str(),
        cell(c.scene.us).c_str(), cell(c.cpu.us).c_str(), diff_cell(c.gpu_vs_cpu_max_px).c_str(),
        c.note.empty() ? "" : "  ", c.note.c_str());
  std::fprintf(out,
               "\ndecoding lab (medians in us): beta grid = 25 betas x all channels + debiased, "
               "one submission; windows = quarter, dark, dark-udp, window, centroid, mediapipe "
               "from one window read\n");
  std::fprintf(out, "%-17s %11s %11s %11s %11s %9s\n", "case", "grid GPU", "grid CPU",
               "windows GPU", "windows CPU", "|GPU-CPU|");
  for (const LabResult& l : r.lab)
    std::fprintf(
        out, "%-17s %11s %11s %11s %11s %9s%s%s\n", l.name.c_str(), cell(l.grid.gpu_us).c_str(),
        cell(l.grid.cpu_us).c_str(), cell(l.windows.gpu_us).c_str(), cell(l.windows.cpu_us).c_str(),
        diff_cell(l.gpu_vs_cpu_max_px).c_str(), l.note.empty() ? "" : "  ", l.note.c_str());
}

void print_json(const BenchReport& r, std::FILE* out) {
  std::fprintf(out,
               "{\"device\": %s, \"beta\": %g, \"cpu\": \"%s, %d threads\", \"timer_queries\": "
               "%s,\n \"cases\": [\n",
               jstr(r.device).c_str(), r.beta, r.cpu_target.c_str(), r.cpu_threads,
               r.timer_queries ? "true" : "false");
  for (std::size_t i = 0; i < r.cases.size(); ++i) {
    const CaseResult& c = r.cases[i];
    std::fprintf(
        out,
        "  {\"name\": \"%s\", \"bytes\": %.0f, \"gpu_compute_us\": %s, \"gpu_kernel_gbs\": %s, "
        "\"gpu_roundtrip_us\": %s, \"gpu_streamed_us\": %s, \"gpu_roundtrip_in_slot_us\": %s, "
        "\"transfer_floor_us\": %s, "
        "\"roundtrip_over_floor\": %s, \"in_slot_over_floor\": %s, "
        "\"gpu_scene_decode_us\": %s, \"cpu_us\": %s, \"reps\": %d, \"gpu_vs_cpu_max_px\": %s, "
        "\"note\": %s}%s\n",
        c.name.c_str(), c.bytes, jnum(c.kernel.us).c_str(), jnum(c.kernel.gbs).c_str(),
        jnum(c.round_trip.us).c_str(), jnum(c.streamed.us).c_str(), jnum(c.in_slot.us).c_str(),
        jnum(c.floor.us).c_str(), jnum(c.ratios.roundtrip_over_floor).c_str(),
        jnum(c.ratios.in_slot_over_floor).c_str(), jnum(c.scene.us).c_str(), jnum(c.cpu.us).c_str(),
        c.round_trip.reps, jnum(c.gpu_vs_cpu_max_px).c_str(), jstr(c.note).c_str(),
        i + 1 < r.cases.size() ? "," : "");
  }
  std::fprintf(out, "],\n \"lab\": [\n");
  for (std::size_t i = 0; i < r.lab.size(); ++i) {
    const LabResult& l = r.lab[i];
    std::fprintf(
        out,
        "  {\"name\": \"%s\", \"grid25_debiased_gpu_us\": %s, \"grid25_debiased_cpu_us\": %s, "
        "\"windows_decoders_gpu_us\": %s, \"windows_decoders_cpu_us\": %s, "
        "\"gpu_vs_cpu_max_px\": %s, \"note\": %s}%s\n",
        l.name.c_str(), jnum(l.grid.gpu_us).c_str(), jnum(l.grid.cpu_us).c_str(),
        jnum(l.windows.gpu_us).c_str(), jnum(l.windows.cpu_us).c_str(),
        jnum(l.gpu_vs_cpu_max_px).c_str(), jstr(l.note).c_str(), i + 1 < r.lab.size() ? "," : "");
  }
  std::fprintf(out, "]}\n");
}

std::vector<std::string> agreement_failures(const BenchReport& r, double tolerance_px) {
  std::vector<std::string> f;
  if (r.cases.empty()) f.push_back("no case measured");
  auto check = [&](const std::string& what, double d, const std::string& note) {
    char b[64];
    if (d < 0)
      f.push_back(what + ": no GPU-CPU figure" + (note.empty() ? "" : " (" + note + ")"));
    else if (!(d <= tolerance_px)) {
      std::snprintf(b, sizeof b, ": GPU-CPU %.3g px > %g", d, tolerance_px);
      f.push_back(what + b);
    }
  };
  for (const CaseResult& c : r.cases) check(c.name, c.gpu_vs_cpu_max_px, c.note);
  for (const LabResult& l : r.lab) check("lab " + l.name, l.gpu_vs_cpu_max_px, l.note);
  return f;
}

}  // namespace peakscope::bench
