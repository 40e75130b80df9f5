#include "app/plot/export_menu.h"

#include <imgui.h>

#include <exception>

namespace ts::plot {

std::optional<std::string> export_menu(bool hovered, const std::string& stem, const ExportWriters& writers,
                                       const std::function<void(const char*)>& report) {
  if (hovered && ImGui::IsMouseReleased(ImGuiMouseButton_Right)) ImGui::OpenPopup("export");
  if (!ImGui::BeginPopup("export")) return std::nullopt;
  std::optional<std::string> written;
  const struct {
    const char* label;
    const char* ext;
    const char* name;
    const std::function<void(const std::string&)>& write;
  } items[] = {{"Save PNG  ", ".png", "export-png", writers.png},
               {"Save SVG  ", ".svg", "export-svg", writers.svg},
               {"Save CSV  ", ".csv", "export-csv", writers.csv}};
  for (const auto& item : items) {
    const std::string path = stem + item.ext;
    if (ImGui::MenuItem((item.label + path).c_str())) {
      try {
        item.write(path);
        written = path;
      } catch (const std::exception& e) {
        written = std::string("error: ") + e.what();
      }
    }
    if (report) report(item.name);
  }
  ImGui::EndPopup();
  return written;
}

}  // namespace ts::plot
