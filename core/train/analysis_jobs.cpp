#include "core/train/analysis_jobs.h"

#include "core/error.h"

#include <oneapi/tbb/task_arena.h>
#include <pthread.h>

#include <algorithm>

namespace ts {

const char* to_string(JobState s) {
  switch (s) {
    case JobState::waiting:
      return "waiting";
    case JobState::running:
      return "running";
    case JobState::done:
      return "done";
    case JobState::cancelled:
      return "cancelled";
    case JobState::failed:
      return "failed";
  }
  return "unknown";
}

double AnalysisJob::seconds() const {
  std::lock_guard lock(mutex_);
  if (state() == JobState::waiting || started_ == std::chrono::steady_clock::time_point{})
    return 0.0;
  const auto end = finished() ? ended_ : std::chrono::steady_clock::now();
  return std::chrono::duration<double>(end - started_).count();
}

std::string AnalysisJob::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

bool AnalysisJob::wait(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return finished_cv_.wait_for(lock, timeout, [&] { return finished(); });
}

AnalysisJobs::AnalysisJobs(int threads) : threads_(std::max(1, threads)) {
  thread_ = std::thread([this] { loop(); });
}

AnalysisJobs::~AnalysisJobs() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
    for (auto& e : queue_) e.job->cancel();
    if (current_) current_->cancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t AnalysisJobs::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + (current_ && !current_->finished() ? 1 : 0);
}

void AnalysisJobs::enqueue(std::shared_ptr<AnalysisJob> job,
                           std::future<std::shared_ptr<const StateCapture>> input) {
  {
    std::lock_guard lock(mutex_);
    if (quit_) job->cancel();
    queue_.push_back(Entry{std::move(job), std::move(input)});
  }
  cv_.notify_one();
}

void AnalysisJobs::loop() {
  pthread_setname_np(pthread_self(), "ts-analysis");
  while (true) {
    Entry e;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return quit_ || !queue_.empty(); });
      if (queue_.empty()) return;  // quitting, nothing left to finish
      e = std::move(queue_.front());
      queue_.pop_front();
      current_ = e.job;
    }
    const int threads = threads_.load(std::memory_order_relaxed);
    tbb::task_arena arena(threads, 1);
    arena.execute([&] { run_one(e, threads); });
    std::lock_guard lock(mutex_);
    current_.reset();
  }
}

void AnalysisJobs::run_one(Entry& e, int threads) {
  AnalysisJob& job = *e.job;
  auto finish = [&](JobState s, std::string error) {
    {
      std::lock_guard lock(job.mutex_);
      job.error_ = std::move(error);
      job.ended_ = std::chrono::steady_clock::now();
      job.state_.store(s, std::memory_order_release);
    }
    job.finished_cv_.notify_all();
  };
  {
    std::lock_guard lock(job.mutex_);
    job.started_ = std::chrono::steady_clock::now();
    job.state_.store(JobState::running, std::memory_order_release);
  }
  try {
    // The trainer answers between two steps; keep an eye on cancel meanwhile.
    while (e.input.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready)
      if (job.cancel_.load(std::memory_order_relaxed)) return finish(JobState::cancelled, {});
    const std::shared_ptr<const StateCapture> input = e.input.get();
    if (!input || !input->data) throw Error("no state to analyse");
    job.step_.store(input->state.step, std::memory_order_release);
    if (job.cancel_.load(std::memory_order_relaxed)) return finish(JobState::cancelled, {});
    ExperimentConfig cfg = input->state.config;
    cfg.training.threads = threads;
    Run run(cfg, input->data);
    run.restore(input->state);
    run.set_threads(threads);
    AnalysisContext c{*input, run, &job.cancel_, [&job](double f) {
                        job.progress_.store(std::clamp(f, 0.0, 1.0), std::memory_order_relaxed);
                      }};
    job.execute(c);
    if (job.cancel_.load(std::memory_order_relaxed)) return finish(JobState::cancelled, {});
    job.progress_.store(1.0, std::memory_order_relaxed);
    finish(JobState::done, {});
  } catch (const std::exception& ex) {
    finish(JobState::failed, ex.what());
  }
}

}  // namespace ts
