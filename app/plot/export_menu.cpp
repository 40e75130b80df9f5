#include "app/plot/export_menu.h"

#include <imgui.h>

#include <exception>
#include <filesystem>

namespace ts::plot {

std::string free_export_path(const std::string& stem, const std::string& ext) {
  std::error_code ec;
  std::string path = stem + ext;
  for (int i = 2; std::filesystem::exists(path, ec) && i < 100000; ++i)
    path = stem + "-" + std::to_string(i) + ext;
  return path;
}

std::optional<std::string> export_menu(bool hovered, const std::string& stem,
                                       const ExportWriters& writers,
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
    const std::string path = free_export_path(stem, item.ext);
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
