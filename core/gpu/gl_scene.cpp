// The synthetic scene made on the GPU: core/scene.hpp's frame rendered by
// shaders/scene_render.comp straight into a ring slot's device buffer, then decoded there, so
// the default source never crosses from the host.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "core/gpu/decode_types.hpp"
#include "core/gpu/gl_engine.hpp"
#include "core/gpu/gl_engine_detail.hpp"
#include "core/scene_frame.hpp"

namespace peakscope::gpu {

using namespace detail;

std::uint64_t GlEngine::submit_scene(const SceneFrame& frame, const DecodeOptions& opt) {
  opt.validate();
  const Scene& scene = frame.scene();
  const bool per_subject = frame.per_subject();
  const ElemType type = frame.type();
  const SceneConfig& cfg = scene.config();
  const int k = per_subject ? static_cast<int>(scene.subjects().size()) : 1;
  Slot& s = next_slot(type, cfg.width, cfg.height, k, /*staging=*/false);
  // The subjects as the CPU renderer sees them: the same 4-FWHM box (core/scene.cpp splat)
  // and, per subject, 1 / the channel max computed by the same expression.
  std::vector<SceneSubject> subj;
  const double r = 4 * cfg.fwhm;
  for (const Subject& p : scene.subjects()) {
    SceneSubject q{};
    q.x = p.x;
    q.y = p.y;
    q.weight = static_cast<float>(p.weight);
    q.x0 = std::max(0, static_cast<int>(std::floor(p.x - r)));
    q.x1 = std::min(cfg.width - 1, static_cast<int>(std::ceil(p.x + r)));
    q.y0 = std::max(0, static_cast<int>(std::floor(p.y - r)));
    q.y1 = std::min(cfg.height - 1, static_cast<int>(std::ceil(p.y + r)));
    if (q.x0 <= q.x1 && q.y0 <= q.y1) {
      const int xn = std::clamp(static_cast<int>(std::lround(p.x)), q.x0, q.x1);
      const int yn = std::clamp(static_cast<int>(std::lround(p.y)), q.y0, q.y1);
      const double mx = p.weight * gaussian_mask(p.x, yn, p.x, p.y, cfg.fwhm) *
                        gaussian_mask(xn, p.y, p.x, p.y, cfg.fwhm);
      q.inv_max = mx > 0 ? static_cast<float>(1.0 / mx) : 0.0f;
    }
    subj.push_back(q);
  }
  const std::size_t sb = subj.size() * sizeof(SceneSubject);
  if (sb > scene_cap_) {
    if (scene_subjects_) glDeleteBuffers(1, &scene_subjects_);
    glGenBuffers(1, &scene_subjects_);
    glBindBuffer(GL_SHADER_STORAGE_BUFFER, scene_subjects_);
    glBufferStorage(GL_SHADER_STORAGE_BUFFER, static_cast<GLsizeiptr>(sb), nullptr,
                    GL_DYNAMIC_STORAGE_BIT);
    scene_cap_ = sb;
  }
  glBindBuffer(GL_SHADER_STORAGE_BUFFER, scene_subjects_);
  glBufferSubData(GL_SHADER_STORAGE_BUFFER, 0, static_cast<GLsizeiptr>(sb), subj.data());
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindSubjects, scene_subjects_);
  glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindInput, s.device);
  const float a = static_cast<float>(4.0 * std::numbers::ln2 / (cfg.fwhm * cfg.fwhm));
  const std::size_t n = static_cast<std::size_t>(cfg.width) * cfg.height;
  const auto words = static_cast<GLuint>((n + 3) / 4);
  const GLuint wgs = (words + 255) / 256;
  auto common_uniforms = [&](const Program& p) {
    glUseProgram(p.id());
    glUniform1ui(p.loc("uWidth"), static_cast<GLuint>(cfg.width));
    glUniform1ui(p.loc("uHeight"), static_cast<GLuint>(cfg.height));
    glUniform1ui(p.loc("uPlane"), static_cast<GLuint>(s.plane));
    glUniform1ui(p.loc("uSubjects"), static_cast<GLuint>(subj.size()));
    glUniform1f(p.loc("uA"), a);
  };
  if (per_subject) {
    common_uniforms(type == ElemType::kUInt8 ? scene_u8_ : scene_f32_);
    glDispatchCompute(wgs, static_cast<GLuint>(k), 1);
  } else {
    // The sum into scratch floats, its max by the decode's max pass, then scaled to the frame.
    if (round_up(n, kPlaneAlign) * 4 > s.scratch_cap) {
      if (s.scratch) glDeleteBuffers(1, &s.scratch);
      glGenBuffers(1, &s.scratch);
      glBindBuffer(GL_SHADER_STORAGE_BUFFER, s.scratch);
      s.scratch_cap = round_up(n, kPlaneAlign) * 4;
      glBufferStorage(GL_SHADER_STORAGE_BUFFER, static_cast<GLsizeiptr>(s.scratch_cap), nullptr, 0);
    }
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindScratch, s.scratch);
    common_uniforms(scene_sum_);
    glDispatchCompute(wgs, 1, 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    const std::size_t nvec = (n + 3) / 4;
    const std::size_t vpg = vecs_per_group(nvec, 1);
    const auto groups = static_cast<GLuint>((nvec + vpg - 1) / vpg);
    ensure_work(s, groups * sizeof(Partial), 1);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindInput, s.scratch);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindPartials, s.partials);
    glUseProgram(max_f32_.id());
    glUniform1ui(max_f32_.loc("uWidth"), static_cast<GLuint>(cfg.width));
    glUniform1ui(max_f32_.loc("uHeight"), static_cast<GLuint>(cfg.height));
    glUniform1ui(max_f32_.loc("uPlane"), static_cast<GLuint>(round_up(n, kPlaneAlign)));
    glUniform1ui(max_f32_.loc("uVecsPerGroup"), static_cast<GLuint>(vpg));
    glDispatchCompute(groups, 1, 1);
    glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
    glBindBufferBase(GL_SHADER_STORAGE_BUFFER, kBindInput, s.device);
    const Program& st = type == ElemType::kUInt8 ? scene_store_u8_ : scene_store_f32_;
    common_uniforms(st);
    glUniform1ui(st.loc("uGroups"), groups);
    glDispatchCompute(wgs, 1, 1);
  }
  glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
  check_gl("scene render");
  dispatch_decode(s, opt);
  return finish_submit(s);
}

}  // namespace peakscope::gpu
