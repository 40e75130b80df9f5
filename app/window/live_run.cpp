#include "app/window/live_run.h"

#include "core/chart/event_markers.h"
#include "core/error.h"
#include "core/experiment/experiment_json.h"
#include "core/io/run_dir.h"
#include "core/text_format.h"

#include <algorithm>
#include <cctype>

namespace ts {

LiveRun::LiveRun(ExperimentConfig config, std::string name, std::shared_ptr<const DataSplits> data,
                 const RunPlaces& places)
    : config_(std::move(config)), name_(std::move(name)), data_(std::move(data)) {
  namespace fs = std::filesystem;
  TrainerOptions o;
  o.data_dir = places.data_dir;
  auto run = std::make_unique<Run>(config_, data_);  // its errors are the experiment's
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

LiveRun::~LiveRun() {
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

std::string LiveRun::source() const {
  const std::string dir =
      trainer_->run_dir().empty()
          ? std::filesystem::path(exports_dir_).filename().string() + " (not recorded)"
          : trainer_->run_dir().string();
  return "trainscope run " + dir + ", " + config_.name + ", step " +
         std::to_string(status_ ? status_->step : 0);
}

std::vector<Event> LiveRun::poll() {
  status_ = trainer_->status();
  const std::size_t from = events_.size();
  trainer_->events().copy_new(events_);
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
