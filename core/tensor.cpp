#include "core/tensor.h"

namespace ts {

std::string to_string(const Shape3& s) {
  return std::to_string(s.height) + "x" + std::to_string(s.width) + "x" +
         std::to_string(s.channels);
}

}  // namespace ts
