#include "core/train/run_follower.h"

#include "core/error.h"
#include "core/experiment/experiment_json.h"
#include "core/io/csv_writer.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

namespace ts {

// One table of the directory, read from where the last poll stopped.
struct RunFollower::Table {
  std::filesystem::path path;
  void (RunFollower::*take)(const std::vector<std::vector<std::string>>&, Table&);
  uint64_t offset = 0;
  ino_t inode = 0;
  std::string torn;  // a last line without its end yet
  std::vector<std::string> header;
  std::map<std::string, std::size_t> column;
  int64_t last_step = -1;  // of the rows taken (after a go_back: at most its step)
  bool failed = false;
  bool restarted = false;  // the last read_new() read the file again from its start

  // The complete rows appended since the last call. A file replaced or cut shorter is read
  // again from its start (its rows then go back in steps, which the taker handles).
  std::vector<std::vector<std::string>> read_new() {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    restarted = false;
    if (st.st_ino != inode || uint64_t(st.st_size) < offset) {
      restarted = inode != 0;
      inode = st.st_ino;
      offset = 0;
      torn.clear();
      header.clear();
      column.clear();
    }
    if (uint64_t(st.st_size) == offset) return {};
    std::ifstream in(path, std::ios::binary);
    in.seekg(std::streamoff(offset));
    std::string text = torn;
    const std::size_t had = text.size();
    text.resize(had + std::size_t(uint64_t(st.st_size) - offset));
    in.read(text.data() + had, std::streamsize(text.size() - had));
    text.resize(had + std::size_t(in.gcount()));
    offset += uint64_t(in.gcount());
    CsvTable csv = parse_csv(text, path.string());
    torn = csv.torn_last_line.value_or("");
    if (header.empty() && !csv.rows.empty()) {
      header = std::move(csv.rows.front());
      csv.rows.erase(csv.rows.begin());
      for (std::size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
    }
    for (std::size_t i = 0; i < csv.rows.size(); ++i)
      if (csv.rows[i].size() != header.size())
        throw Error(path.string() + ": a row of " + std::to_string(csv.rows[i].size()) +
                    " cells under a header of " + std::to_string(header.size()));
    return std::move(csv.rows);
  }
  std::size_t at(const std::string& name) const {
    const auto it = column.find(name);
    if (it == column.end()) throw Error(path.string() + ": no column \"" + name + "\"");
    return it->second;
  }
  double number(const std::vector<std::string>& row, std::size_t col) const {
    return row[col].empty() ? NAN : csv_to_double(row[col], path.string() + ": " + header[col]);
  }
};

RunFollower::RunFollower(std::filesystem::path dir, bool planned) : dir_(std::move(dir)) {
  std::error_code ec;
  if (!std::filesystem::exists(dir_ / "config.json", ec) ||
      (!planned && !std::filesystem::exists(dir_ / "metrics.csv", ec)))
    throw Error(dir_.string() +
                ": not a run directory written by trainscope (it has no config.json and "
                "metrics.csv)");
  config_ = load_experiment(dir_ / "config.json");
  metrics_ = std::make_shared<TrainerMetrics>(0, stat_layers(config_.model.layers));
  const std::pair<const char*, decltype(Table::take)> tables[] = {
      {"metrics.csv", &RunFollower::take_metrics},
      {"layers.csv", &RunFollower::take_layers},
      {"histograms.csv", &RunFollower::take_histograms},
      {"spectra.csv", &RunFollower::take_spectra},
      {"sharpness.csv", &RunFollower::take_sharpness},
      {"events.csv", &RunFollower::take_events}};
  for (const auto& [file, take] : tables) {
    auto t = std::make_unique<Table>();
    t->path = dir_ / file;
    t->take = take;
    tables_.push_back(std::move(t));
  }
}

RunFollower::~RunFollower() = default;

bool RunFollower::poll() {
  bool any = false;
  for (auto& t : tables_) {
    if (t->failed) continue;
    try {
      const auto rows = t->read_new();
      if (rows.empty()) continue;
      (this->*(t->take))(rows, *t);
      any = true;
    } catch (const Error& e) {
      t->failed = true;
      problem_ = std::string(e.what()) + " (no longer followed)";
      any = true;
    }
  }
  return any;
}

void RunFollower::go_back(int64_t last_step) {
  metrics_ = TrainerMetrics::continued(*metrics_, last_step, metrics_->generation + 1);
  for (auto& t : tables_) t->last_step = std::min(t->last_step, last_step);
  step_ = std::min(step_, std::max<int64_t>(last_step, 0));
}

LayerSeries* RunFollower::layer(const std::string& name) {
  for (auto& l : metrics_->layers)
    if (l->name == name) return l.get();
  return nullptr;
}

void RunFollower::take_metrics(const std::vector<std::vector<std::string>>& rows, Table& t) {
  const std::size_t c_step = t.at("step"), c_epoch = t.at("epoch"), c_lr = t.at("lr"),
                    c_loss = t.at("train_loss"), c_acc = t.at("train_accuracy"),
                    c_grad = t.at("grad_norm"), c_sparsity = t.at("sparsity"),
                    c_vloss = t.at("validation_loss"), c_vacc = t.at("validation_accuracy"),
                    c_tloss = t.at("test_loss"), c_tacc = t.at("test_accuracy");
  const auto has_seconds = t.column.find("seconds");  // runs recorded before it lack it
  const std::size_t c_seconds = has_seconds == t.column.end() ? SIZE_MAX : has_seconds->second;
  std::vector<std::pair<std::size_t, std::size_t>> layer_cols;  // grad_norm, update_ratio
  for (const auto& l : metrics_->layers) {
    const auto g = t.column.find("grad_norm." + l->name),
               u = t.column.find("update_ratio." + l->name);
    layer_cols.emplace_back(g == t.column.end() ? SIZE_MAX : g->second,
                            u == t.column.end() ? SIZE_MAX : u->second);
  }
  for (const auto& row : rows) {
    const int64_t step = int64_t(t.number(row, c_step));
    if (step <= t.last_step) go_back(step - 1);
    t.last_step = step;
    step_ = step;
    epoch_ = t.number(row, c_epoch);
    TrainerMetrics& m = *metrics_;
    auto put = [&](ScalarSeries& s, std::size_t col) {
      const double v = t.number(row, col);
      if (!row[col].empty()) s.push(step, float(v));
    };
    put(m.loss, c_loss);
    put(m.accuracy, c_acc);
    put(m.lr, c_lr);
    put(m.grad_norm, c_grad);
    put(m.sparsity, c_sparsity);
    put(m.validation_loss, c_vloss);
    put(m.validation_accuracy, c_vacc);
    put(m.test_loss, c_tloss);
    put(m.test_accuracy, c_tacc);
    if (c_seconds != SIZE_MAX) put(m.seconds, c_seconds);
    for (std::size_t i = 0; i < layer_cols.size(); ++i) {
      if (layer_cols[i].first != SIZE_MAX) put(m.layers[i]->grad_norm, layer_cols[i].first);
      if (layer_cols[i].second != SIZE_MAX) put(m.layers[i]->update_ratio, layer_cols[i].second);
    }
  }
}

void RunFollower::take_layers(const std::vector<std::vector<std::string>>& rows, Table& t) {
  const std::size_t c_step = t.at("step"), c_layer = t.at("layer");
  const std::pair<const char*, ScalarSeries LayerSeries::*> stats[] = {
      {"act_mean", &LayerSeries::act_mean},
      {"act_std", &LayerSeries::act_std},
      {"saturated", &LayerSeries::saturated},
      {"dead", &LayerSeries::dead},
      {"weight_norm", &LayerSeries::weight_norm},
      {"distance_init", &LayerSeries::distance_init},
      {"frame_potential", &LayerSeries::frame_potential}};
  std::size_t cols[std::size(stats)];
  for (std::size_t k = 0; k < std::size(stats); ++k) cols[k] = t.at(stats[k].first);
  for (const auto& row : rows) {
    const int64_t step = int64_t(t.number(row, c_step));
    if (step < t.last_step) go_back(step - 1);
    t.last_step = step;
    LayerSeries* l = layer(row[c_layer]);
    if (!l) continue;
    for (std::size_t k = 0; k < std::size(stats); ++k)
      if (!row[cols[k]].empty()) (l->*(stats[k].second)).push(step, float(t.number(row, cols[k])));
  }
}

void RunFollower::take_histograms(const std::vector<std::vector<std::string>>& rows, Table& t) {
  const std::size_t c_step = t.at("step"), c_layer = t.at("layer"), c_lo = t.at("lo"),
                    c_hi = t.at("hi"), c_bin0 = t.at("bin0");
  if (c_bin0 + kHistogramBins > t.header.size())
    throw Error(t.path.string() + ": fewer than " + std::to_string(kHistogramBins) + " bins");
  for (const auto& row : rows) {
    Histogram h;
    h.step = int64_t(t.number(row, c_step));
    if (h.step < t.last_step) go_back(h.step - 1);
    t.last_step = h.step;
    LayerSeries* l = layer(row[c_layer]);
    if (!l) continue;
    h.lo = float(t.number(row, c_lo));
    h.hi = float(t.number(row, c_hi));
    for (std::size_t b = 0; b < kHistogramBins; ++b)
      h.counts[b] = uint32_t(std::max(0.0, t.number(row, c_bin0 + b)));
    l->histograms.push(h);
  }
}

void RunFollower::take_spectra(const std::vector<std::vector<std::string>>& rows, Table& t) {
  // The rows of one spectrum are written (and flushed) together: a spectrum is complete at
  // the end of the rows read, or where the next one starts.
  const std::size_t c_step = t.at("step"), c_layer = t.at("layer"),
                    c_value = t.at("singular_value");
  SingularValues s;
  std::string name;
  auto finish = [&] {
    if (LayerSeries* l = name.empty() ? nullptr : layer(name); l && !s.values.empty())
      l->singular_values.push(s);
    s.values.clear();
  };
  for (const auto& row : rows) {
    const int64_t step = int64_t(t.number(row, c_step));
    if (step != s.step || row[c_layer] != name) {
      finish();
      if (step < t.last_step) go_back(step - 1);
      t.last_step = step;
      s.step = step;
      name = row[c_layer];
    }
    s.values.push_back(float(t.number(row, c_value)));
  }
  finish();
}

void RunFollower::take_sharpness(const std::vector<std::vector<std::string>>& rows, Table& t) {
  const std::size_t c_step = t.at("step"), c_value = t.at("top_eigenvalue");
  for (const auto& row : rows) {
    const int64_t step = int64_t(t.number(row, c_step));
    if (step <= t.last_step) go_back(step - 1);
    t.last_step = step;
    if (!row[c_value].empty()) metrics_->sharpness.push(step, float(t.number(row, c_value)));
  }
}

void RunFollower::take_events(const std::vector<std::vector<std::string>>& rows, Table& t) {
  const std::size_t c_step = t.at("step"), c_kind = t.at("kind"), c_detail = t.at("detail"),
                    c_before = t.at("before"), c_after = t.at("after");
  if (t.restarted) events_.clear(), finished_ = false;
  for (const auto& row : rows) {
    Event e;
    e.step = int64_t(t.number(row, c_step));
    const auto kind = event_kind_from_string(row[c_kind]);
    if (!kind) continue;  // the recorder's own lines ("open") are not trainer events
    e.kind = *kind;
    e.detail = row[c_detail];
    e.before = row[c_before];
    e.after = row[c_after];
    finished_ = finished_ || e.kind == EventKind::end || e.kind == EventKind::stop ||
                e.kind == EventKind::early_stop;
    if (e.kind == EventKind::resume || e.kind == EventKind::start) finished_ = false;
    events_.push_back(std::move(e));
  }
}

}  // namespace ts
