#include <filesystem>

#include "core/io/source.hpp"

namespace peakscope::io {

std::unique_ptr<Source> open_source(const std::string& spec) {
  if (spec.empty() || spec == "synthetic") return make_synthetic_source({});
  return make_image_source(spec);
}

}  // namespace peakscope::io
