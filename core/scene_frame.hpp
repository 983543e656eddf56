// The synthetic scene's current frame as a source an engine can decode (core/engine/frame.hpp
// FrameWriter): the one-channel sum as Scene::render makes it, or one channel per subject as
// Scene::render_per_subject does. Engines that can make it themselves do (the GPU engine
// renders it in device memory, core/gpu/gl_scene.cpp); the others let it write into a slot.
#pragma once

#include "core/engine/frame.hpp"
#include "core/scene.hpp"

namespace peakscope {

class SceneFrame : public FrameWriter {
 public:
  // Keeps a reference: the scene outlives the decode it is passed to.
  SceneFrame(const Scene& scene, bool per_subject, ElemType type)
      : scene_(scene), per_subject_(per_subject), type_(type) {}

  FrameShape shape() const override {
    const int k = per_subject_ ? static_cast<int>(scene_.subjects().size()) : 1;
    return {type_, scene_.config().width, scene_.config().height, k};
  }
  void write(const MutableHeatmapView& out) const override {
    if (per_subject_)
      scene_.render_per_subject_into(out);
    else
      scene_.render_into(out);
  }

  const Scene& scene() const { return scene_; }
  bool per_subject() const { return per_subject_; }
  ElemType type() const { return type_; }

 private:
  const Scene& scene_;
  bool per_subject_;
  ElemType type_;
};

}  // namespace peakscope
