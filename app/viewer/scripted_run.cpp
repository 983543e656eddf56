#include "app/viewer/scripted_run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "app/viewer/viewer.hpp"
#include "core/io/output_file.hpp"
#include "core/io/stream_message.hpp"

namespace peakscope::viewer {
namespace {

// The --report JSON: what was shown (frame, source, engine, settings), where the views, colour
// bar and plots are on screen, the keypoints, curves and lab points, and the median frame time.
nlohmann::json report_json(const Viewer& v, double median_ms, const std::vector<long>& shown) {
  const ViewerState& st = v.state();
  nlohmann::json j;
  j["frame_index"] = st.frame() ? st.frame()->index : -1;
  j["frames_shown"] = st.frames_shown();
  j["source"] = st.source_description();
  j["source_status"] = st.source_status();
  if (const io::Frame* f = st.frame(); f && f->stream)  // a live stream: the frame's step, counts
    j["stream"] = {{"step", f->stream->step},
                   {"skipped", f->stream->skipped},
                   {"sender_dropped", f->stream->sender_dropped},
                   {"bad", f->stream->bad},
                   {"last_bad", f->stream->last_bad},
                   {"names", f->names}};
  j["backend"] = backend_name(st.engine_kind());
  j["backend_description"] = st.engine_description();
  j["fallback_reason"] = st.engine_reason();
  j["scene_made_by_engine"] = v.scene_made_by_engine();
  j["beta"] = st.settings().beta();
  j["normalize"] = st.settings().normalize();
  j["channel"] = st.settings().channel();
  j["median_frame_ms"] = median_ms;
  j["map"] = {{"width", v.map_width()}, {"height", v.map_height()}, {"channels", st.channels()}};
  auto place = [](const ViewPlacement& p) {
    return nlohmann::json{{"origin_x", p.origin.x}, {"origin_y", p.origin.y}, {"zoom", p.zoom}};
  };
  j["heatmap_view"] = place(v.layout().heat);
  j["softmax_view"] = place(v.layout().soft);
  j["heatmap_view"]["image_width"] = v.textures().heat.width;
  j["softmax_view"]["image_width"] = v.textures().soft.width;
  nlohmann::json tiles = nlohmann::json::array();
  for (const TileOffset& t : v.textures().soft.tiles) tiles.push_back({t.x, t.y});
  j["softmax_view"]["tiles"] = tiles;
  const ViewLayout& l = v.layout();
  j["colorbar"] = {{"x0", l.colorbar_min.x},
                   {"y0", l.colorbar_min.y},
                   {"x1", l.colorbar_max.x},
                   {"y1", l.colorbar_max.y},
                   {"p_lo", v.textures().p_lo},
                   {"p_hi", v.textures().p_hi},
                   {"relative", v.textures().p_relative}};
  for (const Keypoint& k : st.keypoints())
    j["keypoints"].push_back({{"argmax_x", k.argmax_x},
                              {"argmax_y", k.argmax_y},
                              {"soft_x", k.soft_x},
                              {"soft_y", k.soft_y},
                              {"peak_probability", k.peak_probability}});
  j["error_history"] = std::vector<float>(st.error_history().begin(), st.error_history().end());
  j["curve"] = {{"frame_index", st.curve().frame_index},
                {"betas", st.curve().betas},
                {"values", st.curve().values},
                {"ground_truth", st.curve().ground_truth}};
  j["comparison"] = {{"ran", st.comparison().ran},
                     {"engine", st.comparison().engine},
                     {"diff_px", st.comparison().diff_px}};
  j["hover"] = l.hover;
  j["overlay"] = {{"view", overlay_view_name(st.settings().overlay_view())},
                  {"alpha", st.settings().overlay_alpha()},
                  {"x0", l.overlay_min.x},
                  {"y0", l.overlay_min.y},
                  {"x1", l.overlay_max.x},
                  {"y1", l.overlay_max.y}};
  const GridMapping g = st.grid_mapping();
  j["grid"] = {{"scale_x", g.scale_x},   {"scale_y", g.scale_y}, {"offset_x", g.offset_x},
               {"offset_y", g.offset_y}, {"udp", g.udp},         {"shift_x", g.shift_x},
               {"shift_y", g.shift_y}};
  j["controls_overflow"] = l.controls_overflow;
  j["beta_plot"] = {{"x0", l.beta_plot_min.x},
                    {"y0", l.beta_plot_min.y},
                    {"x1", l.beta_plot_max.x},
                    {"y1", l.beta_plot_max.y}};
  // The decoding lab: each enabled decoder's point per channel (index pixels) and its curve.
  for (std::size_t c = 0; c < st.lab().points().size(); ++c) {
    nlohmann::json ch = nlohmann::json::object();
    for (DecoderKind k : kAllDecoders)
      if (st.lab().enabled(k)) {
        const DecodedPoint& p = st.lab().points()[c][decoder_index(k)];
        ch[decoder_name(k)] = {{"x", p.x}, {"y", p.y}, {"valid", p.valid}};
      }
    j["decoders"].push_back(ch);
  }
  for (const DecoderCurve& dc : st.lab().curves())
    j["decoder_curves"][decoder_name(dc.kind)] = {{"values", dc.values}, {"level", dc.level}};
  // The evaluation panel's figures (image px; PCK at its threshold), per decoder with samples.
  if (const EvalTracker& ev = v.evaluation(); ev.frames() > 0) {
    nlohmann::json e = {{"frames", ev.frames()}, {"threshold_px", ev.threshold()}};
    for (DecoderKind k : kAllDecoders)
      if (const EvalStats s = ev.stats(k, -1); s.labelled > 0)
        e["decoders"][decoder_name(k)] = {
            {"labelled", s.labelled}, {"mean", s.mean}, {"median", s.median}, {"pck", s.pck[0]}};
    j["evaluation"] = e;
  }
  // The layout: legend entries (and rows), the plot's level labels, named controls, the docked
  // gradient panel; the markers' look, the channels drawn, the marker under the pointer.
  auto rects = [](const std::vector<NamedRect>& list) {
    nlohmann::json a = nlohmann::json::array();
    for (const NamedRect& r : list)
      a.push_back(
          {{"name", r.name}, {"x0", r.min.x}, {"y0", r.min.y}, {"x1", r.max.x}, {"y1", r.max.y}});
    return a;
  };
  j["legend"] = {{"rows", l.legend_rows}, {"entries", rects(l.legend)}};
  j["beta_plot"]["level_labels"] = rects(l.level_labels);
  j["beta_plot"]["log_y"] = st.settings().plot_log_y();
  j["controls"] = rects(l.controls);
  j["gradient_panel"] = {{"x0", l.gradient_min.x},
                         {"y0", l.gradient_min.y},
                         {"x1", l.gradient_max.x},
                         {"y1", l.gradient_max.y}};
  j["markers"] = {{"size", st.settings().marker_size()},
                  {"alpha", st.settings().marker_alpha()},
                  {"hover", l.marker_hover}};
  nlohmann::json drawn = nlohmann::json::array();
  for (int c = 0; c < st.channels(); ++c)
    if (st.channel_drawn(c)) drawn.push_back(c);
  j["drawn_channels"] = drawn;
  j["ui_scale"] = l.ui_scale;
  j["left_view"] = l.left_frame ? "image" : "heatmap";
  j["settings_source"] = st.settings().source();
  j["last_source"] = st.settings().last_source();
  // The timeline and the compare view (app/viewer/timeline.hpp, compare.hpp).
  const Timeline& tl = st.timeline();
  const SourceInfo info = v.source_info();
  static const char* kModes[] = {"off", "pinned", "ab"};
  j["timeline"] = {{"finite", tl.finite()},
                   {"frame_count", tl.frame_count()},
                   {"end_index", info.end_index},
                   {"loop", tl.loop()},
                   {"paused", st.paused()},
                   {"shown", shown},
                   {"pinned_index", tl.pinned() ? tl.pinned()->index : -1},
                   {"cache_frames", info.cache_frames},
                   {"cache_bytes", info.cache_bytes},
                   {"cache_budget", info.cache_budget}};
  auto pane = [](const ComparePane& p) {
    nlohmann::json points = nlohmann::json::array();
    for (const PanePoint& q : p.points)
      points.push_back({{"channel", q.channel},
                        {"argmax_x", q.argmax_x},
                        {"argmax_y", q.argmax_y},
                        {"x", q.point.x},
                        {"y", q.point.y},
                        {"valid", q.point.valid},
                        {"error", q.error}});
    return nlohmann::json{{"label", p.label},       {"frame_index", p.frame_index},
                          {"beta", p.beta},         {"decoder", decoder_name(p.decoder)},
                          {"readout", p.readout()}, {"mean_error", p.mean_error},
                          {"p_lo", p.p_lo},         {"p_hi", p.p_hi},
                          {"points", points}};
  };
  const CompareLayout& cl = v.compare_layout();
  j["compare"] = {{"mode", kModes[static_cast<int>(tl.mode())]},
                  {"left", pane(v.comparer().left())},
                  {"right", pane(v.comparer().right())},
                  {"left_rect", {cl.left_min.x, cl.left_min.y, cl.left_max.x, cl.left_max.y}},
                  {"right_rect", {cl.right_min.x, cl.right_min.y, cl.right_max.x, cl.right_max.y}}};
  j["saved"] = st.last_saved();
  j["error"] = st.error();
  return j;
}

}  // namespace

void ScriptedRun::start(Viewer& v) const {
  if (scripted()) v.set_frame_limit(o_.frames);
  if (!o_.record.empty()) v.start_recording(o_.record);
  for (Key k : o_.press) v.key_event(static_cast<int>(k), false);
}

std::optional<std::pair<double, double>> ScriptedRun::pointer() const {
  if (scripted() && o_.mouse.size() == 2) return std::pair{o_.mouse[0], o_.mouse[1]};
  return std::nullopt;
}

void ScriptedRun::before_frame(Viewer& v) const {
  if (o_.sweep_lo <= 0) return;
  const long frames = o_.frames;
  const double t = frames > 1
                       ? std::min(1.0, static_cast<double>(v.state().frames_shown()) / (frames - 1))
                       : 0.0;
  v.state().set_beta(o_.sweep_lo * std::pow(o_.sweep_hi / o_.sweep_lo, t));
}

bool ScriptedRun::last_frame(Viewer& v, bool more) {
  if (v.state().frames_shown() != seen_ && v.state().frame()) {
    seen_ = v.state().frames_shown();
    shown_.push_back(v.state().frame()->index);
  }
  if (!scripted() || more) return false;
  if (settle_++ < 1) return false;  // the same frame and decode again: the frame limit holds
  if (!o_.screenshot.empty()) v.request_screenshot(o_.screenshot);
  if (!o_.sheet.empty()) v.request_sheet(o_.sheet);
  if (!o_.beta_grid.empty()) v.request_beta_grid(o_.beta_grid);
  if (!o_.ab_sheet.empty()) v.request_ab_sheet(o_.ab_sheet);
  return true;
}

int ScriptedRun::finish(Viewer& v, int rc) const {
  if (v.recording()) v.stop_recording();
  const ViewerState& st = v.state();
  if (!st.error().empty()) {
    std::fprintf(stderr, "peakscope: %s\n", st.error().c_str());
    if (scripted() && st.error().find("cannot") != std::string::npos) rc = 1;
  }
  std::vector<double> ft = st.frame_times();
  std::sort(ft.begin(), ft.end());
  const double median_ms = ft.empty() ? 0 : ft[ft.size() / 2];
  if (scripted()) {
    if (const std::string s = st.source_status(); !s.empty())
      std::fprintf(stderr, "peakscope: %s: %s\n", st.source_description().c_str(), s.c_str());
    std::fprintf(stderr, "peakscope: %ld frames, median frame time %.2f ms, %s\n",
                 st.frames_shown(), median_ms, st.engine_description().c_str());
  }
  if (!o_.report.empty()) {
    try {
      io::write_file(o_.report, report_json(v, median_ms, shown_).dump(2) + "\n");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "peakscope: cannot write the report %s\n", e.what());
      rc = 1;
    }
  }
  return rc;
}

}  // namespace peakscope::viewer
