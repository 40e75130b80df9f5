// Drawing one panel in an ImGui context of its own with no renderer and no window: the
// display size is set, the font atlas built, and each frame is NewFrame, the panel inside a
// full-display window, Render. What the panel produced is kept for the test to check: the
// widgets it reported (by the names the window prints for the Xvfb flows), the text it wrote
// (ImGui's log of rendered text), and the size of its draw data.
#pragma once

#include <imgui.h>

#include <functional>
#include <map>
#include <string>

namespace ts::testing {

struct DrawnPanel {
  std::map<std::string, ImVec2> widgets;  // name -> size of its item
  std::string text;                       // every text ImGui rendered, in order
  int vertices = 0;                       // in the frame's draw data
  int commands = 0;

  bool has_widget(const std::string& name) const;
  bool shows(const std::string& text) const;
};

class PanelFrame {
 public:
  using Report = std::function<void(const char*)>;

  PanelFrame();
  ~PanelFrame();
  PanelFrame(const PanelFrame&) = delete;
  PanelFrame& operator=(const PanelFrame&) = delete;

  // Draws `frames` frames of `panel`, which gets the report callback; returns what the last
  // frame produced (the first lays out windows and tables, the next draws them settled).
  DrawnPanel draw(const std::function<void(const Report&)>& panel, int frames = 3);

 private:
  ImGuiContext* context_;
};

}  // namespace ts::testing
