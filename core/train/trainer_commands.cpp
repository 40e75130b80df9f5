// Applying commands between two steps: each becomes exactly one event (core/train/trainer.h),
// the settings by the table of core/command/settings.h, the scripts' at their steps.
#include "core/train/trainer.h"

#include "core/error.h"
#include "core/experiment/experiment_data.h"
#include "core/experiment/experiment_json.h"
#include "core/optim/optimizer_json.h"
#include "core/prune/prune.h"
#include "core/run/checkpoint.h"
#include "core/schedule/schedule_json.h"
#include "core/text_format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts {

namespace {

// The same architecture and data; dropout rates are live settings and may differ.
bool same_model(ExperimentConfig a, ExperimentConfig b) {
  for (auto* c : {&a, &b})
    for (auto& l : c->model.layers)
      if (l.kind == LayerKind::dropout) l.rate = 0.0;
  const auto ja = to_json(a), jb = to_json(b);
  return ja.at("model") == jb.at("model") && ja.at("data") == jb.at("data") &&
         a.training.shards == b.training.shards;
}

}  // namespace

void Trainer::apply_due_scripts() {
  // Scripted commands for the current step, in order. Re-read the script each time: a
  // scripted "load" replaces the run (and its config) under our feet.
  while (true) {
    const auto& script = run_->config().script;
    const std::size_t pos = run_->scripts_applied();
    if (pos >= script.size() || script[pos].at > run_->steps_done()) return;
    const ScriptedCommand sc = script[pos];
    run_->set_scripts_applied(pos + 1);
    if (sc.at == run_->steps_done()) apply(sc.command, 0);
  }
}

void Trainer::apply_set(const cmd::Set& c, Event& e) {
  const SettingSpec& spec = spec_of(c.setting);
  const std::string k = spec.name;
  const double v = c.value;
  auto need = [&](bool ok, const std::string& why) {
    if (!ok) throw Error("set " + k + ": " + why);
  };
  OptimizerSettings o = run_->optimizer().settings();
  // The table's checks: a finite value, an optimizer that has the setting, its range.
  const std::string problem = setting_problem(spec, v, o.kind);
  need(problem.empty(), problem);
  auto set_opt = [&](double& field) {  // the optimizer checks its own ranges
    e.before = format_number(field);
    field = v;
    run_->set_optimizer(o);
    e.after = format_number(v);
  };
  switch (c.setting) {
    case Setting::lr: {
      e.before = format_number(run_->next_learning_rate());
      Schedule s;
      s.base_lr = v;
      run_->set_schedule(s);
      e.after = format_number(v);
      e.detail = "learning rate " + e.before + " -> " + e.after + " (constant from now on)";
      return;
    }
    case Setting::momentum:
      set_opt(o.kind == OptimizerKind::rmsprop ? o.rmsprop_momentum : o.momentum);
      break;
    case Setting::beta1:
      set_opt(o.beta1);
      break;
    case Setting::beta2:
      set_opt(o.beta2);
      break;
    case Setting::rho:
      set_opt(o.rho);
      break;
    case Setting::eps:
      set_opt(o.eps);
      break;
    case Setting::weight_decay:
      set_opt(o.weight_decay);
      break;
    case Setting::dropout: {
      bool any = false;
      double old = 0;
      for (const auto& l : run_->config().model.layers)
        if (l.kind == LayerKind::dropout) {
          any = true;
          old = l.rate;
        }
      need(any, "the model has no dropout layer");
      e.before = format_number(old);
      run_->set_dropout(v);
      e.after = format_number(v);
      break;
    }
    case Setting::batch_size:
      need(v <= double(run_->data().train.size()), "must be a whole number in [1, " +
                                                       std::to_string(run_->data().train.size()) +
                                                       "], got " + format_number(v));
      e.before = std::to_string(run_->batcher().batch_size());
      run_->set_batch_size(Index(v));
      e.after = std::to_string(Index(v));
      break;
    case Setting::clip_norm:
    case Setting::clip_value: {
      const TrainingConfig& t = run_->config().training;
      const bool norm = c.setting == Setting::clip_norm;
      e.before = format_number(norm ? t.clip_norm : t.clip_value);
      run_->set_clipping(norm ? v : t.clip_norm, norm ? t.clip_value : v);
      e.after = format_number(v);
      break;
    }
    case Setting::stats_interval:
      e.before = std::to_string(run_->config().monitor.stats_interval);
      run_->set_stats_interval(int64_t(v));
      e.after = std::to_string(int64_t(v));
      break;
    case Setting::sharpness_interval:
      e.before = std::to_string(run_->config().monitor.sharpness_interval);
      run_->set_sharpness_interval(int64_t(v));
      e.after = std::to_string(int64_t(v));
      break;
    case Setting::spike_factor:
      e.before = format_number(run_->config().monitor.spike_factor);
      run_->set_spike_factor(v);
      detector_.set_factor(v);
      e.after = format_number(v);
      break;
    case Setting::steps_per_s:
      // A viewing speed, not part of the experiment: 0 trains at full speed.
      e.before = pace_ > 0 ? format_number(pace_) : std::string("full speed");
      pace_ = v;
      paced_at_ = Clock::now();
      e.after = v > 0 ? format_number(v) : std::string("full speed");
      break;
    case Setting::threads:
      e.before = std::to_string(run_->threads());
      run_->set_threads(int(v));
      e.after = std::to_string(int(v));
      break;
  }
  e.detail = k + " " + e.before + " -> " + e.after;
}

void Trainer::apply_rewind(const cmd::Rewind& c, Event& e) {
  if (c.target == RewindTarget::initialization) {
    restore_kept(initial_, "the initialization", c.keep_masks, e);
  } else if (c.target == RewindTarget::snapshot) {
    const auto it = snapshots_.find(c.label);
    if (it == snapshots_.end()) throw Error("rewind: no snapshot is labelled \"" + c.label + "\"");
    restore_kept(it->second, "snapshot \"" + c.label + "\"", c.keep_masks, e);
  } else {
    if (c.step < 0) throw Error("rewind: the step must be >= 0");
    const RunState* best = &initial_;
    for (const auto& k : keyframes_)
      if (k.step <= c.step && k.step >= best->step) best = &k;
    for (const auto& [label, k] : snapshots_)
      if (k.step <= c.step && k.step > best->step) best = &k;
    restore_kept(*best, "the kept state nearest to step " + std::to_string(c.step), c.keep_masks,
                 e);
  }
  evaluate_now(e);
  if (run_->config().monitor.stats_interval > 0) probe_if_new();
}

void Trainer::apply_save(const cmd::Save& c, Event& e) {
  // No path: the run directory's own checkpoint of the step applied at, named for it.
  std::string path = c.path;
  if (path.empty()) {
    if (!recorder_) throw Error("save: no file named and no run directory to save into");
    recorder_->flush();
    path = recorder_->dir().checkpoint_path(run_->steps_done()).string();
  }
  save_run(path);
  e.detail = "checkpoint of step " + std::to_string(run_->steps_done()) + " written to " + path;
}

void Trainer::apply_load(const cmd::Load& c, Event& e) {
  ExperimentConfig cfg = checkpoint_config(c.path);
  if (!same_model(cfg, run_->config()))
    throw Error(c.path +
                ": the checkpoint is for another model or dataset; open it as a new experiment");
  auto next = std::make_unique<Run>(cfg, run_->data_ptr());
  load_checkpoint(*next, c.path);
  next->set_threads(run_->threads());
  next->set_stats_interval(run_->config().monitor.stats_interval);  // the live settings
  next->set_sharpness_interval(run_->config().monitor.sharpness_interval);
  e.before = "step " + std::to_string(run_->steps_done());
  run_ = std::move(next);
  keyframes_.clear();
  sharpness_surface_.reset();  // its loss may be another's
  sharpness_vector_.clear();
  initial_ = initial_state();
  detector_ = SpikeDetector(run_->config().monitor.spike_factor, 50, chance_loss(*run_));
  last_eval_.reset();
  start_line();
  restore_monitor();  // the loaded run's history, which start_line forgot
  const int64_t step = run_->steps_done();
  e.after = "step " + std::to_string(step);
  e.detail = "loaded " + c.path + " (step " + std::to_string(step) + ")";
  evaluate_now(e);
  if (run_->config().monitor.stats_interval > 0) probe_if_new();
}

void Trainer::apply(const Command& c, uint64_t id) {
  Event e;
  e.command = id;
  e.kind = event_kind_of(kind_of(c));
  const TrainerState st = state_.load();
  // Starting and resuming are one: from idle or paused, training.
  const auto go = [&] {
    if (st == TrainerState::stopped) throw Error("the run was stopped; reset it to train again");
    e.detail = st == TrainerState::running ? "already running" : "training";
    problem_.clear();
    notice_.clear();
    rewind_to_.reset();
    steps_left_ = -1;
    set_state(TrainerState::running);
  };
  const auto freeze = [&](const std::string& layer, bool frozen) {
    run_->set_frozen(layer, frozen);
    e.detail = layer + (frozen ? " frozen" : " trainable again");
  };
  try {
    std::visit(
        Overloaded{
            [&](const cmd::Start&) { go(); },
            [&](const cmd::Resume&) { go(); },
            [&](const cmd::Pause&) {
              e.detail = st == TrainerState::running ? "paused" : "not running";
              steps_left_ = -1;
              if (st == TrainerState::running) set_state(TrainerState::paused);
            },
            [&](const cmd::Step& s) {
              if (st == TrainerState::stopped)
                throw Error("the run was stopped; reset it to train again");
              if (s.count < 1) throw Error("step: the count must be >= 1");
              e.detail = "training " + std::to_string(s.count) + " step(s), then pausing";
              steps_left_ = s.count;
              set_state(TrainerState::running);
            },
            [&](const cmd::Stop&) {
              e.detail = st == TrainerState::stopped ? "already stopped" : "stopping";
            },
            [&](const cmd::Reset&) {
              e.before = "step " + std::to_string(run_->steps_done());
              run_->reinitialize();
              keyframes_.clear();
              sharpness_vector_.clear();
              initial_ = initial_state();
              last_eval_.reset();
              start_line();
              e.after = "step 0";
              e.detail = "re-initialized from seed " + std::to_string(run_->config().training.seed);
              if (run_->config().monitor.stats_interval > 0) probe_if_new();
              set_state(TrainerState::idle);
            },
            [&](const cmd::Set& s) { apply_set(s, e); },
            [&](const cmd::SetSchedule& s) {
              if (cycles_momentum(s.schedule) && !has_cyclable_momentum(run_->optimizer().kind()))
                throw Error(std::string("schedule.cycle_momentum: the ") +
                            to_string(run_->optimizer().kind()) +
                            " optimizer has no momentum or beta1 to cycle");
              e.before = to_json(run_->schedule()).dump();
              run_->set_schedule(s.schedule);
              e.after = to_json(s.schedule).dump();
              e.detail = "schedule " + e.after + " from step " + std::to_string(run_->steps_done());
            },
            [&](const cmd::SetOptimizer& s) {
              const OptimizerKind old = run_->optimizer().kind();
              e.before = to_json(run_->optimizer().settings()).dump();
              run_->set_optimizer(s.optimizer);
              e.after = to_json(s.optimizer).dump();
              e.detail = old == s.optimizer.kind
                             ? std::string("optimizer settings changed; its state is kept")
                             : std::string("optimizer ") + to_string(old) + " -> " +
                                   to_string(s.optimizer.kind) + "; its state starts from zero (" +
                                   to_string(old) + "'s state does not carry over)";
            },
            [&](const cmd::Freeze& f) { freeze(f.layer, true); },
            [&](const cmd::Unfreeze& f) { freeze(f.layer, false); },
            [&](const cmd::Prune& p) {
              const PruneResult r = prune(run_->network(), run_->optimizer(), p.request);
              e.detail = describe(c) + ": " + r.summary();
              if (run_->polyak() || run_->ema() || !run_->ensemble().members.empty())
                e.detail +=
                    "; the averages kept so far now evaluate the pruned network (the masks apply "
                    "to them)";
              evaluate_now(e);
              publish_weights();
            },
            [&](const cmd::Snapshot& s) {
              if (s.label.empty()) throw Error("snapshot: the label must not be empty");
              snapshots_[s.label] = run_->capture();
              e.detail = "kept the state of step " + std::to_string(run_->steps_done()) + " as \"" +
                         s.label + "\"";
            },
            [&](const cmd::Rewind& r) { apply_rewind(r, e); },
            [&](const cmd::Save& s) { apply_save(s, e); },
            [&](const cmd::Load& l) { apply_load(l, e); },
        },
        c);
  } catch (const std::exception& ex) {
    e.kind = EventKind::rejected;
    e.detail = describe(c) + ": " + ex.what();
    problem_ = e.detail;
  }
  const CommandKind k = kind_of(c);
  const bool changes_training = k == CommandKind::set || k == CommandKind::schedule ||
                                k == CommandKind::optimizer || k == CommandKind::freeze ||
                                k == CommandKind::unfreeze || k == CommandKind::prune;
  if (e.kind != EventKind::rejected && changes_training)
    detector_.reset();  // a jump is expected now
  if (id == 0) e.detail = "(scripted) " + e.detail;
  const bool stopping =
      k == CommandKind::stop && e.kind != EventKind::rejected && st != TrainerState::stopped;
  record(std::move(e));
  if (stopping) {
    try {
      end_run("stopped by a command");
    } catch (const std::exception& ex) {
      problem_ = std::string("Could not finish the run: ") + ex.what();
      record(Event{0, 0, EventKind::error, problem_, {}, {}});
      set_state(TrainerState::stopped);
    }
  }
  if (id != 0) {
    // The status is published under the lock a waiter tests its condition with, so a waiter
    // that sees the command applied also reads the status it left (it may wake spuriously,
    // between the two, if they were apart).
    std::lock_guard lock(queue_mutex_);
    applied_id_.store(id, std::memory_order_release);
    publish_status(true);
  } else {
    publish_status(true);
  }
  if (id != 0) applied_cv_.notify_all();
}

}  // namespace ts
