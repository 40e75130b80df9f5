// Small text helpers for messages: numbers in their shortest exact form, lists joined with
// ", ", and the time a long job has left. Pure functions, any thread.
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
// n and the noun for it: "1 sample", "2 samples", "0 samples".
std::string counted(long long n, std::string_view one, std::string_view many);

// The time a job has left at its rate so far, from its time so far and the fraction done:
// "about 30 s left", in minutes from 90 s and hours from 90 minutes; empty until the job is
// far enough along (0.2% and three seconds) for the rate to mean something, and once done.
std::string time_left(double seconds, double progress);
// A running job's progress as its bars and lines show it: "12%, about 48 min left", with a
// tenth of a percent below 10% (so a long job's first minutes show it moving).
std::string progress_text(double seconds, double progress);

}  // namespace ts
