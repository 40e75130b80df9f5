// The live trainer: one Run trained on its own named thread, driven by commands from any
// thread, publishing what happens inside while it happens. The window and the headless
// command line are both thin clients of this type.
//
// Threads and what crosses them (nothing else does):
//  - commands: submit() pushes under a short lock and wakes the training thread, which
//    swaps the whole queue out and applies it between two steps, outside the lock. Every
//    command is applied exactly once, in submission order, and becomes an Event (or a
//    "rejected" event saying why it could not be applied).
//  - series: metrics() and events() are append-only (core/train/series.h): the training
//    thread appends and publishes with a release store; readers copy new points without
//    locks and never make the writer wait.
//  - snapshots: status(), weights() are immutable once published (shared_ptr<const T>),
//    swapped under a lock held only for the pointer copy.
// No lock is held across a training step.
//
// States: idle (built or reset, not started) -> running <-> paused; stopped after "stop"
// (only reset leaves it). Reaching the planned number of steps pauses (or stops, with
// TrainerOptions::stop_at_plan_end); resuming from there trains on past the plan.
//
// Divergence: a step whose loss or gradient is not finite, or whose loss or gradient norm
// the spike detector calls an outlier, is refused before it changes anything; the trainer
// pauses, records a "divergence" event and names the last kept state to rewind to. Resuming
// after a spike lets the next step through once.
//
// Early stopping: with training.early_stopping, after `patience` evaluations without
// improvement of the validation metric, an "early_stop" event. With TrainerOptions::
// stop_at_plan_end (headless) the run goes back to the state of its best evaluation, like a
// rewind, and stops with it as its final checkpoint; otherwise (the window) it pauses where it
// is, keeps the best state as a labelled snapshot and names it in the status (rewind_to).
//
// Rewinding restores a kept state: the initialization, a labelled snapshot, or the nearest
// keyframe at or before a step (keyframes are taken every monitor.keyframe_interval steps,
// thinned to stay within TrainerOptions::keyframe_budget_bytes).
#pragma once

#include "core/analysis/landscape.h"
#include "core/analysis/layer_stats.h"
#include "core/analysis/sharpness.h"
#include "core/command/command.h"
#include "core/command/event_kind.h"
#include "core/run/run.h"
#include "core/run/run_recorder.h"
#include "core/train/series.h"
#include "core/train/spike_detector.h"
#include "core/train/trainer_metrics.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace ts {

enum class TrainerState { idle, running, paused, stopped };
const char* to_string(TrainerState);

struct Event {
  int64_t step = 0;                   // steps done when it happened
  uint64_t command = 0;               // id of the command it applied (0 when not a command)
  EventKind kind = EventKind::error;  // the command's kind, or the trainer's own
  std::string detail;                 // one line for people
  std::string before, after;          // old and new value, when a setting changed
};

struct WeightSnapshot {
  int64_t step = 0;
  std::vector<ParamInfo> infos;
  std::vector<float> values, masks, initial;
};

// A consistent copy of the whole run taken between two steps, for an analysis to work on
// while training goes on (core/train/analysis_jobs.h).
struct StateCapture {
  RunState state;
  std::shared_ptr<const DataSplits> data;
  // CaptureOf::Kind::path only: the run's path up to the state, for the landscape's principal
  // plane: the initialization, then each keyframe of an earlier step on the current line
  // (monitor.keyframe_interval; thinned as a run grows), in ascending steps.
  std::vector<PathPoint> path;
};

// Which state a capture copies: the run as it is now, its initialization, or a labelled
// snapshot (a fork "from the same start" or from a kept point).
struct CaptureOf {
  enum class Kind { now, initialization, snapshot, path };  // path: now, with the path to it
  Kind kind = Kind::now;
  std::string label;  // the snapshot's
};

struct KeptState {
  std::string label;  // empty for keyframes
  int64_t step = 0;
};

struct TrainerStatus {
  TrainerState state = TrainerState::idle;
  int64_t step = 0;
  double epoch = 0.0;
  int64_t planned = 0;
  int64_t steps_per_epoch = 0;
  double samples_per_s = 0.0;
  double steps_per_s_limit = 0.0;  // the slow-motion speed; 0: full speed
  ExperimentConfig config;         // with the live settings
  int64_t schedule_start = 0;      // the learning rate of step s is schedule(s - schedule_start)
  int threads = 1;
  double sparsity = 0.0;  // the fraction of the weights pruned (Parameters::pruned_fraction)
  std::string problem;    // the last divergence or failed command; empty when fine
  std::string notice;     // why training paused when nothing went wrong (early stopping)
  std::optional<int64_t> rewind_to;  // after a divergence: the step of the last kept state;
                                     // after early stopping: the best evaluation's
  std::vector<KeptState> snapshots, keyframes;
  std::optional<EvalPoint> last_evaluation;
  int64_t last_evaluation_step = 0;
  uint64_t applied_commands = 0;  // id of the last command applied
  // Early stopping (config training.early_stopping): the best value of the watched metric,
  // the step of that evaluation, and the evaluations since without improvement.
  std::optional<double> early_best;
  int64_t early_best_step = 0;
  int early_waited = 0;
  std::optional<BatchStats> final_test;  // set when the run stopped
  std::string final_checkpoint;          // written when it stopped, with a run directory
};

// The learning rates the next `out.size()` steps will use under the status's schedule (a
// pure function of the step), for drawing the planned curve beside the past one.
void planned_learning_rates(const TrainerStatus& s, std::span<double> out);

struct TrainerOptions {
  std::filesystem::path run_dir;  // empty: no files; else metrics, events and checkpoints
  bool append = false;            // continue the run directory of a resumed checkpoint
  bool stop_at_plan_end = false;  // headless: stop (final checkpoint) instead of pausing
  std::size_t keyframe_budget_bytes = std::size_t(256) << 20;
  std::filesystem::path data_dir;  // for loading checkpoints of other datasets
  // A fork: what the run was copied from ("sgd at step 2000"), recorded as its first event.
  std::string fork_of;
  // > 0: the training thread runs at this nice value, below threads at the default 0: a
  // window's runs then yield the CPU to drawing (app/window/live_run.cpp).
  int nice = 0;
  // A fork's history: the parent's series, whose points up to the run's step start this
  // trainer's series, so a fork's curves begin at step 0 (read while the parent writes on).
  // Ignored when its layers are not the run's.
  std::shared_ptr<const TrainerMetrics> history;
};

class Trainer {
 public:
  explicit Trainer(std::unique_ptr<Run> run, TrainerOptions options = {});
  ~Trainer();  // stops the thread and joins it
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Any thread. Returns the command's id (1, 2, ...), the order it will be applied in.
  uint64_t submit(Command c);
  // Blocks until command `id` was applied; false on timeout.
  bool wait_applied(uint64_t id, std::chrono::milliseconds timeout = std::chrono::hours(1));
  // Blocks until no command is pending and the trainer is not running; false on timeout.
  bool wait_settled(std::chrono::milliseconds timeout = std::chrono::hours(1));

  // Any thread. The training thread fulfils it between its next two steps (at once when
  // paused), after flushing the run directory's files: when the future is ready they hold
  // every row up to the captured step. The future throws ts::Error when the trainer goes
  // away first. For the initialization or a snapshot, the state kept (the files are flushed
  // all the same); the future throws ts::Error naming a snapshot that does not exist.
  std::future<std::shared_ptr<const StateCapture>> capture(CaptureOf what = {});

  // Any thread, never blocking the training thread for longer than a pointer copy.
  std::shared_ptr<const TrainerMetrics> metrics() const;
  std::shared_ptr<const TrainerStatus> status() const;
  std::shared_ptr<const WeightSnapshot> weights() const;
  const Series<Event>& events() const { return events_; }
  int64_t step() const { return step_.load(std::memory_order_acquire); }
  TrainerState state() const { return state_.load(std::memory_order_acquire); }
  // The run directory this trainer records into (empty: it records nothing). Fixed at
  // construction.
  const std::filesystem::path& run_dir() const { return options_.run_dir; }
  // Fixed for the trainer's life (a loaded checkpoint must have the same model).
  const std::vector<StatLayer>& layers() const { return layers_; }

 private:
  using Clock = std::chrono::steady_clock;
  // The loss of a prediction that knows nothing: ln K for cross-entropy over K classes; none
  // for the mean squared error, whose scale depends on the targets.
  static double chance_loss(const Run& run);
  void loop();
  void apply_due_scripts();
  struct CaptureRequest {
    CaptureOf what;
    std::promise<std::shared_ptr<const StateCapture>> promise;
  };
  void fulfil_captures(std::vector<CaptureRequest>& requests);
  // Runs f (which writes the run directory); on failure stops writing, pauses and says so.
  void write_files(const char* what, const std::function<void()>& f);
  // After a reset, rewind or load: forget the old line's detector, problems and series.
  void start_line();
  void apply(const Command& c, uint64_t id);
  void apply_set(const cmd::Set& c, Event& e);
  void apply_rewind(const cmd::Rewind& c, Event& e);
  void apply_save(const cmd::Save& c, Event& e);
  void apply_load(const cmd::Load& c, Event& e);
  void train_one();
  void probe();
  // The layer statistics of now, unless the newest probe is of this step already (step 0,
  // the end of a Step command, a rewind or reset).
  void probe_if_new();
  // After a prune, rewind, reset or load: validation and test at once, so the effect shows
  // without waiting for the next scheduled evaluation; says the result in the event.
  void evaluate_now(Event& e);
  // At each evaluation: every weight matrix's singular values, published and recorded.
  void record_spectra();
  // The sharpness at this step (monitor.sharpness_interval), into the series and sharpness.csv.
  void measure_sharpness();
  void maybe_keyframe();
  // After an evaluation: follows the early-stopping metric; true when it stopped the run.
  bool watch_early_stopping(const EvalPoint& eval);
  void restore_kept(const RunState& s, const std::string& what, bool keep_masks, Event& e);
  RunState initial_state() const;
  void new_generation(int64_t last_step);
  // Makes `m` the series being written, the time trained taken from its last step.
  void use_metrics(std::unique_ptr<TrainerMetrics> m);
  void record(Event e);
  void set_state(TrainerState s);
  void publish_status(bool force);
  void publish_weights();
  void end_run(const std::string& why);
  // A checkpoint of the run with the trainer's own state (the outlier detector's history).
  void save_run(const std::filesystem::path& path);
  // The detector's history from a loaded checkpoint's monitor state, when it has one.
  void restore_monitor();

  // Training thread only.
  std::unique_ptr<Run> run_;
  TrainerOptions options_;
  std::vector<StatLayer> layers_;
  std::optional<RunRecorder> recorder_;
  std::shared_ptr<TrainerMetrics> current_;  // the generation being written (and published)
  double train_seconds_ = 0;  // spent training up to the current step (TrainerMetrics::seconds)
  uint64_t generation_ = 0;
  SpikeDetector detector_;
  bool skip_guard_once_ = false;
  int64_t steps_left_ = -1;     // "step N": steps until pausing; -1 when not counting
  double pace_ = 0;             // steps a second at most (set steps_per_s); 0: full speed
  Clock::time_point paced_at_;  // when the last paced step was due
  RunState initial_;
  std::vector<RunState> keyframes_;  // ascending steps
  std::map<std::string, RunState> snapshots_;
  Network<float>::Workspace probe_ws_;
  Matrix<float> probe_x_;
  std::vector<LayerProbe> probes_;
  std::vector<double> layer_grad_, layer_ratio_;
  std::unique_ptr<LossSurface<float>> sharpness_surface_;  // the images sharpness is over
  std::vector<double> sharpness_vector_;  // the last top eigenvector: the next one's start
  std::string problem_, notice_;
  std::optional<int64_t> rewind_to_;
  std::optional<EvalPoint> last_eval_;
  int64_t last_eval_step_ = 0;
  Clock::time_point rate_start_, last_status_;
  int64_t rate_steps_ = 0;
  double samples_per_s_ = 0.0;
  std::optional<BatchStats> final_test_;
  std::string final_checkpoint_;
  struct EarlyWatch {
    double best = 0.0;
    int64_t step = 0;
    int waited = 0;
    std::optional<RunState> state;  // the run at its best evaluation
  };
  EarlyWatch early_;

  // Commands.
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;  // the training thread waits here when not running
  std::vector<std::pair<uint64_t, Command>> queue_;
  std::vector<CaptureRequest> captures_;
  uint64_t next_id_ = 1;
  std::condition_variable applied_cv_;  // waiters of wait_applied / wait_settled
  std::atomic<uint64_t> applied_id_{0};

  // Published.
  Series<Event> events_;
  std::atomic<int64_t> step_{0};
  std::atomic<TrainerState> state_{TrainerState::idle};
  mutable std::mutex publish_mutex_;  // held only to copy or swap the pointers below
  std::shared_ptr<const TrainerMetrics> metrics_;
  std::shared_ptr<const TrainerStatus> status_;
  std::shared_ptr<WeightSnapshot> weights_;  // handed out as const
  std::shared_ptr<WeightSnapshot> spare_;    // training thread: the previous snapshot, reused
                                             // when no reader holds it any more

  std::atomic<bool> quit_{false};
  std::thread thread_;  // last: started when everything above exists
};

}  // namespace ts
