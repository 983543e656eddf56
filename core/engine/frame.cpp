#include "core/engine/frame.hpp"

#include <stdexcept>
#include <string>

namespace peakscope {

void FrameShape::validate() const {
  if (width <= 0 || height <= 0 || channels <= 0)
    throw std::invalid_argument("bad frame size " + str());
}

std::string FrameShape::str() const {
  return std::to_string(channels) + " x " + std::to_string(height) + " x " + std::to_string(width) +
         " " + elem_name(type);
}

}  // namespace peakscope
