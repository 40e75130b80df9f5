// A panel's greyed hint ("Press Run: ..."), wrapped at the panel's edge as it narrows, where
// ImGui's TextDisabled runs one line past it. UI thread only.
#pragma once

namespace ts {

void hint_text(const char* text);

}  // namespace ts
