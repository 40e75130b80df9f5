#include "app/cli/analysis_progress.h"

#include "core/text_format.h"

#include <unistd.h>

#include <cstdio>

namespace ts::cli {

AnalysisProgress::AnalysisProgress(std::string name)
    : name_(std::move(name)),
      start_(Clock::now()),
      last_(start_),
      terminal_(isatty(fileno(stderr)) != 0) {}

AnalysisProgress::~AnalysisProgress() { done(); }

void AnalysisProgress::done() {
  const std::lock_guard lock(mutex_);
  if (shown_) std::fputs("\r\033[K", stderr);
  shown_ = false;
  ended_ = true;  // nothing more after the end
}

void AnalysisProgress::operator()(double fraction) {
  const std::lock_guard lock(mutex_);
  if (ended_) return;
  const auto now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double since = std::chrono::duration<double>(now - last_).count();
  if (terminal_) {
    if (seconds < 1.0 || since < 0.2) return;
    std::fprintf(stderr, "\r%s\033[K", (name_ + ": " + progress_text(seconds, fraction)).c_str());
    shown_ = true;
  } else {
    if (seconds < 30.0 || since < 30.0) return;
    std::fprintf(stderr, "%s\n", (name_ + ": " + progress_text(seconds, fraction)).c_str());
  }
  std::fflush(stderr);
  last_ = now;
}

}  // namespace ts::cli
