// The window's live studies: a study file's runs opened beside the others and driven to the
// points where the study needs them (app/window/lab_window.h). A run that others fork steps to
// the first fork step and pauses; when every fork there is made it goes on to the next, then
// trains to its end. A transfer run is made when its source has trained to its end and saved
// its weights.
#include "app/window/lab_window.h"

#include "core/error.h"
#include "core/experiment/experiment_data.h"
#include "core/experiment/experiment_json.h"
#include "core/run/checkpoint.h"

#include <unistd.h>

#include <algorithm>

namespace ts {

LabWindow::LiveStudy::~LiveStudy() {
  for (const auto& p : temporaries) {
    std::error_code ec;
    std::filesystem::remove(p, ec);
  }
}

LiveRun* LabWindow::run_by_id(int id) {
  for (auto& r : runs_)
    if (r->id == id) return r.get();
  return nullptr;
}

void LabWindow::open_study(const std::string& name) {
  error_.clear();
  try {
    Study s = read_study(find_study(name));
    if (steps_ > 0)
      for (StudyRun& r : s.runs) r.config.training.steps = steps_;
    LiveStudy live;
    const std::size_t n = s.runs.size();
    live.ids.assign(n, 0);
    live.asked.assign(n, 0);
    live.next_stop.assign(n, 0);
    live.saved.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) live.stops.push_back(fork_steps(s, i));
    // The runs that start from their config, on data loaded once per dataset.
    study_.reset();  // the study before, and the weights it saved for transfers
    study_ = std::move(live);
    auto& data = study_->data;
    study_->study = std::move(s);
    for (std::size_t i = 0; i < n; ++i) {
      const StudyRun& r = study_->study.runs[i];
      if (r.fork || r.init_from) continue;
      const std::string key = data_key(r.config);
      if (!data.count(key)) data[key] = load_experiment_data(r.config, places_.data_dir);
      auto run = std::make_unique<LiveRun>(r.config, r.name, data[key], places_);
      run->label = r.name;
      add_run(std::move(run), i == 0);
      study_->ids[i] = run_->id;
      study_->asked[i] = 1;
      start_study_run(i);
    }
    event("study " + study_->study.name + ": " + std::to_string(n) + " runs");
  } catch (const Error& e) {
    study_.reset();
    error_ = e.what();
    event("study error: " + error_);
  }
}

void LabWindow::start_study_run(std::size_t i) {
  LiveRun* r = run_by_id(study_->ids[i]);
  if (!r) return;
  const auto& stops = study_->stops[i];
  const int64_t step = r->status()->step;
  // Steps to the next fork step ahead, or trains to the end.
  while (study_->next_stop[i] < stops.size() && stops[study_->next_stop[i]] < step)
    ++study_->next_stop[i];
  if (study_->next_stop[i] < stops.size())
    r->trainer().submit(cmd::Step{stops[study_->next_stop[i]] - step});
  else
    r->trainer().submit(cmd::Start{});
}

void LabWindow::drive_study() {
  if (!study_) return;
  LiveStudy& s = *study_;
  const std::size_t n = s.study.runs.size();
  for (std::size_t i = 0; i < n; ++i) {
    const StudyRun& r = s.study.runs[i];
    if (s.asked[i]) continue;
    if (r.fork) {
      // The parent paused at the fork step: fork it there.
      LiveRun* p = run_by_id(s.ids[r.fork->parent]);
      if (!p || p->trainer().state() == TrainerState::running || p->status()->step != r.fork->at ||
          p->trainer().step() != r.fork->at)
        continue;
      s.asked[i] = 1;
      fork_run(*p, CaptureOf{}, r.config, r.name, int(i));
    } else if (r.init_from) {
      // The source trained to its end and saved its weights: start from them.
      LiveRun* src = run_by_id(s.ids[r.init_from->run]);
      if (!src || src->state_name() != "done") continue;
      // Into the source's run directory, or a temporary file when the window records nothing.
      const auto path = src->dir().empty()
                            ? std::filesystem::temp_directory_path() /
                                  ("trainscope-transfer-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(src->id) + ".safetensors")
                            : src->dir() / "checkpoints" / "for-transfer.safetensors";
      if (!s.saved[r.init_from->run]) {
        src->trainer().submit(cmd::Save{path.string()});
        s.saved[r.init_from->run] = 1;
        if (src->dir().empty()) s.temporaries.push_back(path);
        continue;
      }
      std::error_code ec;
      if (!std::filesystem::exists(path, ec)) continue;
      s.asked[i] = 1;
      try {
        const std::string key = data_key(r.config);
        if (!s.data.count(key)) s.data[key] = load_experiment_data(r.config, places_.data_dir);
        const auto& data = s.data[key];
        ForkStart prepared;
        prepared.run = std::make_unique<Run>(r.config, data);
        if (load_weights(*prepared.run, path, r.init_from->layers).empty())
          throw Error("no layer of " + src->label + " matches " + r.name + "'s by name and shape");
        auto run = std::make_unique<LiveRun>(r.config, r.name, data, places_, &prepared);
        run->label = r.name;
        add_run(std::move(run), false);
        s.ids[i] = run_->id;
        start_study_run(i);
        event("study run " + r.name + " starts from " + src->label + "'s weights");
      } catch (const Error& e) {
        error_ = r.name + ": " + e.what();
        event("study error: " + error_);
      }
    }
  }
  // A parent whose forks at its current stop are all made goes on.
  for (std::size_t p = 0; p < n; ++p) {
    if (s.next_stop[p] >= s.stops[p].size()) continue;
    LiveRun* parent = run_by_id(s.ids[p]);
    const int64_t at = s.stops[p][s.next_stop[p]];
    if (!parent || parent->trainer().state() == TrainerState::running ||
        parent->trainer().step() != at)
      continue;
    bool all = true;
    for (std::size_t k = 0; k < n; ++k) {
      const auto& f = s.study.runs[k].fork;
      if (f && f->parent == p && f->at == at && s.ids[k] == 0) all = false;
    }
    if (!all) continue;
    ++s.next_stop[p];
    start_study_run(p);
  }
}

}  // namespace ts
