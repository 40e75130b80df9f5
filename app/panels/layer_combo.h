// A narrow combo box choosing one of a model's layers by name; keeps `index` in range.
// UI thread only.
#pragma once

#include <string>
#include <vector>

namespace ts {

// `names` must not be empty. Returns the chosen name.
std::string layer_combo(const char* id, const std::vector<std::string>& names, int& index);

}  // namespace ts
