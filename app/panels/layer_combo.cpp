#include "app/panels/layer_combo.h"

#include <imgui.h>

#include <algorithm>

namespace ts {

std::string layer_combo(const char* id, const std::vector<std::string>& names, int& index) {
  index = std::clamp(index, 0, int(names.size()) - 1);
  ImGui::SetNextItemWidth(90);
  if (ImGui::BeginCombo(id, names[std::size_t(index)].c_str())) {
    for (int i = 0; i < int(names.size()); ++i)
      if (ImGui::Selectable(names[std::size_t(i)].c_str(), i == index)) index = i;
    ImGui::EndCombo();
  }
  return names[std::size_t(index)];
}

}  // namespace ts
