#include "tests/panels/panel_frame.h"

#include <imgui_internal.h>

namespace ts::testing {

bool DrawnPanel::has_widget(const std::string& name) const {
  const auto it = widgets.find(name);
  return it != widgets.end() && it->second.x > 0 && it->second.y > 0;
}

bool DrawnPanel::shows(const std::string& t) const { return text.find(t) != std::string::npos; }

PanelFrame::PanelFrame() : context_(ImGui::CreateContext()) {
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.LogFilename = nullptr;
  io.DisplaySize = ImVec2(1280, 800);
  io.DeltaTime = 1.0f / 60.0f;
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // built, never uploaded: there is no renderer
}

PanelFrame::~PanelFrame() { ImGui::DestroyContext(context_); }

DrawnPanel PanelFrame::draw(const std::function<void(const Report&)>& panel, int frames) {
  ImGui::SetCurrentContext(context_);
  DrawnPanel out;
  for (int f = 0; f < frames; ++f) {
    const bool last = f + 1 == frames;
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("panel", nullptr, ImGuiWindowFlags_NoDecoration);
    if (last) ImGui::LogToBuffer();
    panel([&](const char* name) {
      if (last) out.widgets[name] = ImGui::GetItemRectSize();
    });
    if (last) {
      out.text = GImGui->LogBuffer.c_str();
      ImGui::LogFinish();
    }
    ImGui::End();
    ImGui::Render();
  }
  const ImDrawData* d = ImGui::GetDrawData();
  for (int i = 0; d && i < d->CmdListsCount; ++i) {
    out.vertices += d->CmdLists[i]->VtxBuffer.Size;
    out.commands += d->CmdLists[i]->CmdBuffer.Size;
  }
  return out;
}

}  // namespace ts::testing
