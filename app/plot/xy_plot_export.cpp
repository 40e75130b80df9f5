#include "app/plot/xy_plot_parts.h"

#include "app/plot/chart_png.h"
#include "app/plot/export_menu.h"
#include "core/io/atomic_file.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace ts::plot::xy {

namespace {

void make_parent(const std::string& file) {
  const std::filesystem::path dir = std::filesystem::path(file).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir);
}

}  // namespace

std::optional<std::string> draw_export_menu(const Frame& p, const PlotView& view,
                                            const std::string& export_stem,
                                            const std::function<void(const char*)>& report,
                                            const std::function<SvgChart()>& csv_data) {
  const SvgChart& chart = *p.chart;
  const PlotFrame& f = p.f;
  const Axis &ax = p.ax, &ay = p.ay;
  const float u = p.u;
  const ImVec2 mouse = p.mouse;
  ImGuiStorage* store = p.store;
  const std::vector<std::string>& colors = p.colors;
  const std::vector<std::size_t>& drawn = p.drawn;
  std::optional<std::string> written;
  if (!export_stem.empty()) {
    // A right click without a drag (a drag zooms to a box).
    const ImVec2 d = ImGui::GetIO().MouseClickedPos[ImGuiMouseButton_Right];
    if (f.hovered && ImGui::IsMouseReleased(ImGuiMouseButton_Right) &&
        std::abs(mouse.x - d.x) < 4 && std::abs(mouse.y - d.y) < 4)
      ImGui::OpenPopup("export");
    if (ImGui::BeginPopup("export")) {
      // The next free names: an export never replaces an earlier one.
      const std::string svg = free_export_path(export_stem, ".svg"),
                        csv = free_export_path(export_stem, ".csv"),
                        image = free_export_path(export_stem, ".png");
      const ImGuiID size_key = ImGui::GetID("png size"), dark_key = ImGui::GetID("svg dark");
      const int out_w = store->GetInt(size_key, 1600), out_h = store->GetInt(size_key + 1, 1000);
      // Exactly what is drawn: the shown series, in the colours they were drawn in.
      auto visible = [&] {
        SvgChart v = chart;
        if (!view.fit) {
          v.x_min = ax.reversed ? ax.hi : ax.lo, v.x_max = ax.reversed ? ax.lo : ax.hi;
          v.y_min = ay.lo, v.y_max = ay.hi;
        }
        v.series.clear();
        for (std::size_t i : drawn) {
          v.series.push_back(chart.series[i]);
          v.series.back().color = colors[i];
        }
        v.note = export_source();
        v.width = out_w, v.height = out_h;
        return v;
      };
      try {
        if (ImGui::MenuItem(("Save SVG  " + svg).c_str())) {
          make_parent(svg);
          SvgChart v = visible();
          v.dark = store->GetBool(dark_key, false);
          write_svg(svg, v);
          written = svg;
        }
        if (report) report("export-svg");
        if (ImGui::MenuItem(("Save CSV  " + csv).c_str())) {
          make_parent(csv);
          // The data itself where the caller has it, else the drawn points; the shown series only.
          SvgChart v = visible();
          if (csv_data) {
            SvgChart full = csv_data();
            v.series.clear();
            for (auto& s : full.series)
              if (std::any_of(drawn.begin(), drawn.end(),
                              [&](std::size_t i) { return chart.series[i].name == s.name; }))
                v.series.push_back(std::move(s));
          }
          std::string text = chart_csv(v);
          if (!v.note.empty()) text = "# " + v.note + "\n" + text;
          write_file_atomic(csv, text);
          written = csv;
        }
        if (report) report("export-csv");
        // PNG at a chosen size, rendered offscreen by this same widget; the SVG takes it too.
        int out_size[2] = {out_w, out_h};
        ImGui::SetNextItemWidth(120 * u);
        if (ImGui::InputInt2("width, height", out_size)) {
          store->SetInt(size_key, std::clamp(out_size[0], 64, 8192));
          store->SetInt(size_key + 1, std::clamp(out_size[1], 64, 8192));
        }
        bool dark = store->GetBool(dark_key, false);
        if (ImGui::Checkbox("SVG in the dark theme", &dark)) store->SetBool(dark_key, dark);
        if (report) report("export-dark");
        if (ImGui::MenuItem(("Save PNG  " + image).c_str())) {
          write_chart_png(visible(), out_w, out_h, image);
          written = image;
        }
        if (report) report("export-png");
      } catch (const std::exception& e) {
        written = std::string("error: ") + e.what();
      }
      ImGui::EndPopup();
    }
  }
  return written;
}

}  // namespace ts::plot::xy
