// How far a long analysis of `trainscope-cli analyze` has come, on standard error, so a slice
// that takes an hour does not look hung: "landscape: 12.3%, about 48 min left". On a terminal,
// one line rewritten in place at most five times a second from a second in, and cleared at the
// end; elsewhere (a log, a test) a line every 30 s from 30 s in, so a quick analysis prints
// nothing. The text is core/text_format.h's progress_text, as the window's bars show it.
//
// operator() may be called from any thread: an analysis reports from its workers.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

namespace ts::cli {

class AnalysisProgress {
 public:
  explicit AnalysisProgress(std::string name);
  ~AnalysisProgress();
  AnalysisProgress(const AnalysisProgress&) = delete;
  AnalysisProgress& operator=(const AnalysisProgress&) = delete;

  // The fraction done, 0 to 1.
  void operator()(double fraction);
  // operator() as an analysis's `progress` argument; the object must outlive its use.
  std::function<void(double)> callback() {
    return [this](double fraction) { (*this)(fraction); };
  }
  // Clears the terminal's line, before the analysis prints its result; the destructor does too.
  void done();

 private:
  using Clock = std::chrono::steady_clock;
  std::string name_;
  Clock::time_point start_, last_;
  bool terminal_ = false;
  bool shown_ = false;  // a terminal line is up
  bool ended_ = false;
  std::mutex mutex_;
};

}  // namespace ts::cli
