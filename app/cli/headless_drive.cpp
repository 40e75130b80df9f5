#include "app/cli/headless_drive.h"

#include <unistd.h>
#include <cstdio>

namespace ts::cli {

HeadlessEnd drive_headless(Trainer& trainer, const HeadlessDrive& d) {
  trainer.submit(cmd::Start{});
  std::size_t events_seen = 0, evals_seen = 0;
  uint64_t generation = 0;
  HeadlessEnd end;
  const char* newline = isatty(2) && d.bar ? "\n" : "";
  while (true) {
    const bool settled = trainer.wait_settled(std::chrono::milliseconds(100));
    if (d.interrupted && *d.interrupted && !end.interrupted) {
      end.interrupted = true;
      end.code = 130;
      if (d.on_interrupt && d.on_interrupt(trainer)) return end;
      if (!d.on_interrupt) trainer.submit(cmd::Stop{});
    }
    // Progress and what happened since the last look.
    const auto m = trainer.metrics();
    if (!d.quiet && d.bar) {
      if (const auto* p = m->loss.last()) {
        const auto* a = m->accuracy.last();
        d.bar->update(p->step, p->value, a ? a->value : 0.0, false);
      }
    }
    for (; events_seen < trainer.events().size(); ++events_seen) {
      const Event& e = trainer.events()[events_seen];
      if (e.kind == EventKind::divergence) {
        std::fprintf(stderr, "%straining diverged: %s\n", newline, e.detail.c_str());
        end.code = 3;
        end.error = "training diverged: " + e.detail;
      } else if (e.kind == EventKind::rejected) {
        std::fprintf(stderr, "%s%s\n", newline, e.detail.c_str());
        end.code = 2;
        end.error = e.detail;
      } else if (e.kind == EventKind::final) {
        std::printf("%s\n", e.detail.c_str());
      } else if (!d.quiet && e.command == 0 && e.kind != EventKind::end &&
                 e.kind != EventKind::checkpoint) {
        std::fprintf(stderr, "%sstep %lld: %s\n", newline, (long long)e.step, e.detail.c_str());
      }
    }
    if (!d.quiet && m->generation == generation) {
      for (; evals_seen < m->validation_accuracy.size() && evals_seen < m->test_accuracy.size();
           ++evals_seen)
        std::fprintf(
            stderr, "%sstep %lld: validation loss %.4f acc %.2f%%, test loss %.4f acc %.2f%%\n",
            newline, (long long)m->validation_accuracy[evals_seen].step,
            m->validation_loss[evals_seen].value, 100 * m->validation_accuracy[evals_seen].value,
            m->test_loss[evals_seen].value, 100 * m->test_accuracy[evals_seen].value);
    } else {
      generation = m->generation;
      evals_seen = m->validation_accuracy.size();
    }
    if (!settled) {
      if (d.each_turn) d.each_turn(trainer);
      continue;
    }
    const auto st = trainer.status();
    if (st->state == TrainerState::stopped) break;
    if (st->state == TrainerState::paused && end.code != 0 && end.code != 130) {
      // Diverged or a scripted command failed: stop here, keeping the last finite weights.
      trainer.submit(cmd::Stop{});
    } else if ((st->state == TrainerState::paused || st->state == TrainerState::idle) &&
               !end.interrupted) {
      // A scripted pause, step count or reset: headless, there is nobody to press resume.
      if (!st->problem.empty()) {
        std::fprintf(stderr, "%s%s\n", newline, st->problem.c_str());
        end.code = 4;
        end.error = st->problem;
        trainer.submit(cmd::Stop{});
      } else {
        trainer.submit(cmd::Start{});
      }
    }
  }
  return end;
}

}  // namespace ts::cli
