#include "app/window/live_run.h"

#include "core/chart/event_markers.h"
#include "core/error.h"
#include "core/experiment/config_changes.h"
#include "core/experiment/experiment_json.h"
#include "core/io/run_dir.h"
#include "core/run/sweep_status.h"
#include "core/text_format.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace ts {

namespace {
// Training yields the CPU to the window's drawing: on two cores with several runs training,
// the frames would otherwise wait their turn behind the steps.
constexpr int kTrainingNice = 15;
}  // namespace

LiveRun::LiveRun(ExperimentConfig config, std::string name, std::shared_ptr<const DataSplits> data,
                 const RunPlaces& places, ForkStart* fork)
    : config_(std::move(config)), name_(std::move(name)), data_(std::move(data)) {
  namespace fs = std::filesystem;
  TrainerOptions o;
  o.data_dir = places.data_dir;
  o.nice = kTrainingNice;
  // Its errors are the experiment's.
  auto run = fork ? std::move(fork->run) : std::make_unique<Run>(config_, data_);
  if (!places.runs_dir.empty()) {
    // A directory of its own, named like the command line's, never shared with another window.
    try {
      o.run_dir = claim_run_dir(places.runs_dir, timestamped_run_name(name_));
    } catch (const Error& e) {
      record_note_ = std::string("not recording: ") + e.what();
    }
  }
  exports_dir_ = places.export_dir + "/" +
                 (o.run_dir.empty() ? timestamped_run_name(name_) : o.run_dir.filename().string());
  if (fork && fork->parent_label.empty()) {
    trainer_ = std::make_unique<Trainer>(std::move(run), o);
    status_ = trainer_->status();
    return;
  }
  if (fork) {
    forked_from = fork->parent_label;
    fork_step = fork->step;
    o.fork_of = fork->parent_label + " at step " + std::to_string(fork->step);
    o.history = fork->history;
    // The parent's rows up to the fork step begin the fork's files (the recorder drops the
    // rows after it), so they read back as one history, as a study's forks do.
    if (!o.run_dir.empty() && !fork->parent_dir.empty()) {
      copy_run_tables(fork->parent_dir, o.run_dir);
      o.append = true;
    }
    // A fork's state exists once: a directory that cannot be written fails the fork.
    trainer_ = std::make_unique<Trainer>(std::move(run), o);
    for (Command& c : fork->changes) trainer_->submit(std::move(c));
    status_ = trainer_->status();
    return;
  }
  try {
    trainer_ = std::make_unique<Trainer>(std::move(run), o);
  } catch (const Error& e) {
    if (o.run_dir.empty()) throw;
    // The run directory could not be written: train on without files, and say why.
    record_note_ = std::string("not recording: ") + e.what();
    std::error_code ec;
    fs::remove_all(o.run_dir, ec);
    o.run_dir.clear();
    trainer_ = std::make_unique<Trainer>(std::make_unique<Run>(config_, data_), o);
  }
  status_ = trainer_->status();
}

LiveRun::LiveRun(const std::filesystem::path& dir, const std::string& export_dir, bool planned)
    : follower_(std::make_unique<RunFollower>(dir, planned)) {
  config_ = follower_->config();
  name_ = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  exports_dir_ = export_dir + "/" + name_;
  poll();
}

LiveRun::~LiveRun() {
  if (!trainer_) return;
  // A directory whose experiment never trained or saved holds nothing worth keeping.
  const std::filesystem::path dir = trainer_->run_dir();
  const bool unused = !dir.empty() && trainer_->step() == 0 &&
                      RunDir::list_checkpoints(dir / "checkpoints").empty();
  trainer_.reset();
  if (unused) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
}

std::shared_ptr<const TrainerMetrics> LiveRun::metrics() const {
  return trainer_ ? trainer_->metrics() : follower_->metrics();
}

std::filesystem::path LiveRun::dir() const {
  return trainer_ ? trainer_->run_dir() : follower_->dir();
}

std::string LiveRun::state_name() const {
  if (!trainer_) return follower_->finished() ? "read-only, done" : "read-only";
  const TrainerStatus& st = *status_;
  if (st.problem.rfind("Training diverged", 0) == 0) return "diverged";
  if (st.state == TrainerState::running) return "training";
  if (st.planned > 0 && st.step >= st.planned) return "done";
  return "paused";
}

std::string LiveRun::progress() const {
  if (trainer_) return state_name();
  if (task_state_ == "done" || task_state_ == "failed") return task_state_;
  if (follower_->finished()) return "done";
  return follower_->step() > 0 ? "started" : "pending";
}

double LiveRun::best_validation_accuracy() const {
  const SeriesPoint* best = metrics()->validation_accuracy.highest();
  return best ? double(best->value) : NAN;
}

std::string LiveRun::differs_from(const LiveRun& base) {
  if (!status_ || !base.status_) return "";
  if (status_ == differs_status_ && base.status_ == differs_base_) return differs_;
  // A live change shows within half a second; a run publishing many times a second does not
  // cost a comparison each frame.
  const auto now = std::chrono::steady_clock::now();
  if (differs_status_ && now - differs_at_ < std::chrono::milliseconds(500)) return differs_;
  differs_at_ = now;
  differs_status_ = status_;
  differs_base_ = base.status_;
  differs_ = &base == this ? "" : config_difference(base.status_->config, status_->config);
  if (!forked_from.empty())
    differs_ = "fork of " + forked_from + " at " + std::to_string(fork_step) +
               (differs_.empty() ? "" : "; " + differs_);
  return differs_;
}

std::string LiveRun::source() const {
  if (!trainer_)
    return "trainscope run " + follower_->dir().string() + " (read-only), " + config_.name +
           ", step " + std::to_string(status_ ? status_->step : 0);
  const std::string dir =
      trainer_->run_dir().empty()
          ? std::filesystem::path(exports_dir_).filename().string() + " (not recorded)"
          : trainer_->run_dir().string();
  return "trainscope run " + dir + ", " + config_.name + ", step " +
         std::to_string(status_ ? status_->step : 0);
}

std::vector<Event> LiveRun::poll() {
  std::size_t from = events_.size();
  if (trainer_) {
    status_ = trainer_->status();
    trainer_->events().copy_new(events_);
  } else {
    // A followed directory is read five times a second: new rows show within a second of
    // their writer's flush (core/run/run_recorder.h).
    const auto now = std::chrono::steady_clock::now();
    if (status_ && now - polled_at_ < std::chrono::milliseconds(200)) return {};
    polled_at_ = now;
    if (!sweep_values.is_null() && now - task_read_at_ > std::chrono::seconds(1)) {
      // A sweep's task says how its last attempt ended (a divergence ends the run: failed).
      task_read_at_ = now;
      try {
        const auto rec = read_task_record(follower_->dir());
        task_state_ = rec ? rec->state : "";
      } catch (const Error&) {
        task_state_.clear();
      }
    }
    if (!follower_->poll() && status_) return {};
    auto st = std::make_shared<TrainerStatus>();
    st->state = TrainerState::idle;
    st->step = follower_->step();
    st->epoch = follower_->epoch();
    st->planned = config_.training.steps;
    st->config = config_;
    st->problem = follower_->problem();
    status_ = std::move(st);
    const auto& all = follower_->events();
    if (all.size() < events_.size()) {  // the file was read again from its start
      events_.clear();
      markers_.clear();
      from = 0;
    }
    events_.insert(events_.end(), all.begin() + long(events_.size()), all.end());
  }
  for (std::size_t i = from; i < events_.size(); ++i) {
    const Event& e = events_[i];
    if (e.kind == EventKind::rewind || e.kind == EventKind::reset || e.kind == EventKind::load)
      markers_.erase(std::remove_if(markers_.begin(), markers_.end(),
                                    [&](const SvgMarker& m) { return m.x > double(e.step); }),
                     markers_.end());
    if (auto m = event_marker(e.step, e.kind, e.detail)) markers_.push_back(std::move(*m));
  }
  return {events_.begin() + long(from), events_.end()};
}

std::string LiveRun::live_changes() {
  if (!status_) return "";
  if (status_ == diffed_status_) return live_changes_;
  diffed_status_ = status_;
  // The keys whose values differ, as dotted paths two deep ("schedule.lr"); a change inside
  // an array counts for the array ("script").
  const nlohmann::json patch = nlohmann::json::diff(to_json(config_), to_json(status_->config));
  std::vector<std::string> keys;
  for (const auto& op : patch) {
    const std::string path = op.value("path", std::string());
    std::string key;
    std::size_t start = 1;
    for (int depth = 0; depth < 2 && start <= path.size(); ++depth) {
      const std::size_t slash = std::min(path.find('/', start), path.size());
      const std::string part = path.substr(start, slash - start);
      if (part.empty() || std::isdigit(static_cast<unsigned char>(part[0]))) break;
      key += (key.empty() ? "" : ".") + part;
      start = slash + 1;
    }
    if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  live_changes_ = join(keys);
  return live_changes_;
}

}  // namespace ts
