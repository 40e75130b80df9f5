// Small text helpers for error messages: numbers in their shortest exact form, and lists
// joined with ", ". Pure functions, any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ts {

// The shortest text that reads back as exactly v ("0.1", "1e-08").
std::string format_number(double v);
// v with `decimals` digits after the point ("0.0249" for 0.02491, 4); "nan", "inf" as they are.
std::string format_fixed(double v, int decimals);
std::string join(const std::vector<std::string_view>& items);
std::string join(const std::vector<std::string>& items);

}  // namespace ts
