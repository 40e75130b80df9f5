// Small text helpers for error messages: numbers in their shortest exact form, and lists
// joined with ", ". Pure functions, any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ts {

// The shortest text that reads back as exactly v ("0.1", "1e-08").
std::string format_number(double v);
std::string join(const std::vector<std::string_view>& items);
std::string join(const std::vector<std::string>& items);

}  // namespace ts
