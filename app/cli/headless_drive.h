// Drives a headless trainer to its end, as `train` and `sweep task` do: starts it, restarts it
// after a scripted pause (nobody is there to press resume), prints its events and evaluations,
// stops it on divergence, a refused command or a problem (a full disk), and hands a signal's
// interruption to the caller. On the command's own thread.
#pragma once

#include "app/cli/progress_bar.h"
#include "core/train/trainer.h"

#include <csignal>
#include <functional>
#include <string>

namespace ts::cli {

struct HeadlessDrive {
  bool quiet = false;                                       // only the final lines
  ProgressBar* bar = nullptr;                               // drawn as steps go, unless quiet
  const volatile std::sig_atomic_t* interrupted = nullptr;  // set by a signal handler
  // Called once when `interrupted` is first seen; returns true to end the drive at once (the
  // trainer left as it is), false to go on until the trainer stops.
  std::function<bool(Trainer&)> on_interrupt;
  // Called every turn (about every 100 ms) while the trainer runs.
  std::function<void(Trainer&)> each_turn;
};

struct HeadlessEnd {
  int code = 0;  // 0 ended; 2 a command was refused; 3 diverged; 4 a problem; 130 interrupted
  bool interrupted = false;
  std::string error;  // what ended it otherwise than planned, one line
};

HeadlessEnd drive_headless(Trainer& trainer, const HeadlessDrive& d);

}  // namespace ts::cli
