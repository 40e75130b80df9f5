// Analyses that run beside training: each job works on a StateCapture (a consistent copy of
// the run taken by the trainer between two steps, core/train/trainer.h), in a Run of its own,
// so the live model is never touched and training goes on meanwhile. Jobs run one at a time,
// in submission order, on the "ts-analysis" thread, each inside a oneTBB arena of its own (the
// analyses' parallel loops use it) of the jobs' thread count when it starts. Each reports progress
// and can be cancelled; the window polls them every frame, the tests wait on them.
//
// Threads: start(), cancel() and every AnalysisJob accessor may be called from any thread.
// A result is published once, immutable, when the job ends (done, or cancelled with what it
// had finished).
#pragma once

#include "core/train/trainer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ts {

enum class JobState { waiting, running, done, cancelled, failed };
const char* to_string(JobState);

// What a job's work function gets.
struct AnalysisContext {
  const StateCapture& input;
  Run& run;                              // built from the capture, with the jobs' thread count
  const std::atomic<bool>* cancel;       // poll it; return what is done when it turns true
  std::function<void(double)> progress;  // fraction done, 0..1
};

class AnalysisJob {
 public:
  explicit AnalysisJob(std::string name) : name_(std::move(name)) {}
  virtual ~AnalysisJob() = default;
  const std::string& name() const { return name_; }
  JobState state() const { return state_.load(std::memory_order_acquire); }
  bool finished() const { return state() >= JobState::done; }
  double progress() const { return progress_.load(std::memory_order_relaxed); }
  // The step of the captured state (-1 until it is captured).
  int64_t step() const { return step_.load(std::memory_order_acquire); }
  double seconds() const;  // running time so far, or in total once finished
  void cancel() { cancel_.store(true, std::memory_order_relaxed); }
  std::string error() const;  // why it failed
  // Blocks until the job has finished; false on timeout.
  bool wait(std::chrono::milliseconds timeout = std::chrono::hours(1)) const;

 protected:
  friend class AnalysisJobs;
  virtual void execute(AnalysisContext& c) = 0;

  std::string name_;
  std::atomic<JobState> state_{JobState::waiting};
  std::atomic<double> progress_{0.0};
  std::atomic<int64_t> step_{-1};
  std::atomic<bool> cancel_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable finished_cv_;
  std::string error_;
  std::chrono::steady_clock::time_point started_, ended_;
};

template <class R>
class AnalysisTask final : public AnalysisJob {
 public:
  using Work = std::function<R(AnalysisContext&)>;
  AnalysisTask(std::string name, Work work)
      : AnalysisJob(std::move(name)), work_(std::move(work)) {}
  // Null until the job is done (or cancelled after the work returned).
  std::shared_ptr<const R> result() const {
    std::lock_guard lock(mutex_);
    return result_;
  }

 private:
  void execute(AnalysisContext& c) override {
    auto r = std::make_shared<const R>(work_(c));
    std::lock_guard lock(mutex_);
    result_ = std::move(r);
  }
  Work work_;
  std::shared_ptr<const R> result_;
};

class AnalysisJobs {
 public:
  // `threads`: the size of the arena the analyses run in (set_threads changes it).
  explicit AnalysisJobs(int threads = 1);
  ~AnalysisJobs();  // cancels every job not finished and joins the thread
  AnalysisJobs(const AnalysisJobs&) = delete;
  AnalysisJobs& operator=(const AnalysisJobs&) = delete;

  // Queues `work` on the state `input` will deliver (usually Trainer::capture()).
  template <class R>
  std::shared_ptr<AnalysisTask<R>> start(std::string name,
                                         std::future<std::shared_ptr<const StateCapture>> input,
                                         typename AnalysisTask<R>::Work work) {
    auto job = std::make_shared<AnalysisTask<R>>(std::move(name), std::move(work));
    enqueue(job, std::move(input));
    return job;
  }

  int threads() const { return threads_.load(std::memory_order_relaxed); }
  // The threads a job gets from now on: each job takes the count when it starts, in an arena
  // of that size, and keeps it to its end. The window gives them every core while no run
  // trains and one while one does.
  void set_threads(int threads) { threads_.store(std::max(1, threads), std::memory_order_relaxed); }
  // Jobs waiting or running.
  std::size_t pending() const;

 private:
  struct Entry {
    std::shared_ptr<AnalysisJob> job;
    std::future<std::shared_ptr<const StateCapture>> input;
  };
  void enqueue(std::shared_ptr<AnalysisJob> job,
               std::future<std::shared_ptr<const StateCapture>> input);
  void loop();
  void run_one(Entry& e, int threads);

  std::atomic<int> threads_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Entry> queue_;
  std::shared_ptr<AnalysisJob> current_;
  bool quit_ = false;
  std::thread thread_;  // last
};

}  // namespace ts
