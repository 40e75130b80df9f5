// `trainscope-cli sweep run DIR --local --jobs K`: a planned sweep's unfinished runs on this
// machine, K at a time, each a `sweep task` child process (the same unit Slurm and GNU parallel
// run) writing its output to DIR/<run>/task.log. The runs share the cores: each gets cores / K
// threads unless told. A child is asked to checkpoint (SIGTERM) when this process is
// interrupted and, through the kernel's parent-death signal, when it is killed outright; either
// way the next `sweep run` resumes every unfinished run from its checkpoint.
#include "app/cli/commands.h"
#include "core/error.h"
#include "core/run/sweep_status.h"
#include "core/text_format.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <thread>

namespace ts::cli {

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }

int usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return int(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
}

// The last non-empty line of a file (a failed task's error), or "".
std::string last_line(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return {};
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  const long from = std::max(0L, size - 4096);
  std::fseek(f, from, SEEK_SET);
  std::string tail(std::size_t(size - from), '\0');
  tail.resize(std::fread(tail.data(), 1, tail.size(), f));
  std::fclose(f);
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  const auto nl = tail.find_last_of('\n');
  return nl == std::string::npos ? tail : tail.substr(nl + 1);
}

// Starts `argv` with its output appended to `log`; the child gets SIGTERM when this process
// dies. Returns its pid; throws ts::Error when it cannot be started.
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(log.string() + ": cannot open the task's log: " + std::strerror(errno));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(kTaskRequeue);  // the parent died before the line above
    // A terminal's Ctrl-C reaches the runner too, which forwards TERM; the task answers both
    // the same way (a checkpoint, exit 75).
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execv(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(fd);
  if (pid < 0) throw Error(std::string("cannot start a task: ") + std::strerror(errno));
  return pid;
}
}  // namespace

int sweep_run(const SweepRunOptions& o) {
  namespace fs = std::filesystem;
  const SweepPlan plan = read_sweep_plan(o.dir);
  const int cores = usable_cores();
  const int threads = o.threads.value_or(std::max(1, cores / o.jobs));
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const std::string dir = fs::absolute(plan.dir).string();

  std::deque<std::size_t> queue;
  std::size_t done = 0, failed = 0, elsewhere = 0;
  const auto status = sweep_status(plan);
  for (std::size_t i = 0; i < status.size(); ++i) {
    const SweepRunStatus& s = status[i];
    if (s.state == SweepRunState::done) {
      ++done;
    } else if (s.state == SweepRunState::failed && !o.retry) {
      ++failed;
      std::printf("%s failed before: %s (--retry runs it again)\n", s.name.c_str(),
                  s.task ? s.task->error.c_str() : "");
    } else if (s.state == SweepRunState::running) {
      ++elsewhere;
      std::printf("%s is running in process %s; left to it\n", s.name.c_str(), s.holder.c_str());
    } else {
      queue.push_back(i);
    }
  }
  std::printf("sweep %s: %zu runs, %zu done, %zu to run, %d at a time with %d thread(s) each\n",
              plan.name.c_str(), plan.runs.size(), done, queue.size(), o.jobs, threads);
  std::fflush(stdout);

  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  using Clock = std::chrono::steady_clock;
  struct Child {
    std::size_t index;
    Clock::time_point started;
  };
  std::map<pid_t, Child> children;
  bool forwarded = false;
  const std::size_t total = queue.size();
  std::size_t finished = 0;
  while (!queue.empty() || !children.empty()) {
    while (!g_stop && !queue.empty() && int(children.size()) < o.jobs) {
      const std::size_t i = queue.front();
      queue.pop_front();
      std::vector<std::string> argv{self,
                                    "sweep",
                                    "task",
                                    dir,
                                    std::to_string(i),
                                    "--threads",
                                    std::to_string(threads),
                                    "--checkpoint-seconds",
                                    std::to_string(o.checkpoint_seconds)};
      if (o.retry) argv.push_back("--retry");
      if (o.data_dir) argv.insert(argv.end(), {"--data", *o.data_dir});
      const pid_t pid = spawn(argv, plan.run_dir(i) / "task.log");
      children[pid] = Child{i, Clock::now()};
    }
    if (g_stop && !forwarded) {
      forwarded = true;
      std::printf("stopping: %zu running task(s) checkpoint and exit\n", children.size());
      for (const auto& [pid, child] : children) ::kill(pid, SIGTERM);
    }
    if (children.empty()) break;
    // Polled, not blocking: a signal that comes between the check of g_stop above and a
    // blocking wait would otherwise go unanswered until some task ends by itself.
    int wstatus = 0;
    const pid_t pid = ::waitpid(-1, &wstatus, WNOHANG);
    if (pid == 0 || (pid < 0 && errno == EINTR)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    if (pid < 0) throw Error(std::string("waiting for the tasks: ") + std::strerror(errno));
    const auto it = children.find(pid);
    if (it == children.end()) continue;
    const Child child = it->second;
    children.erase(it);
    const std::string& name = plan.runs[child.index].name;
    const fs::path run_dir = plan.run_dir(child.index);
    const double secs = std::chrono::duration<double>(Clock::now() - child.started).count();
    const int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    if (code == 0) {
      ++done;
      ++finished;
      std::string result;
      try {
        const RunSummary s = summarize_run(run_dir);
        result = ", " + std::to_string(s.steps) + " steps";
        if (s.test_accuracy)
          result += ", test accuracy " + format_fixed(100 * *s.test_accuracy, 2) + "%";
      } catch (const Error&) {
      }
      std::printf("[%zu/%zu] %s done in %.1f s%s\n", finished, total, name.c_str(), secs,
                  result.c_str());
    } else if (code == kTaskRequeue) {
      if (g_stop) {
        std::printf("%s checkpointed; it resumes when the sweep runs again\n", name.c_str());
      } else {
        std::printf("%s was stopped from outside; it resumes later\n", name.c_str());
        queue.push_back(child.index);
      }
    } else if (code == kTaskBusy) {
      ++elsewhere;
      std::printf("%s is running in another process; left to it\n", name.c_str());
    } else {
      ++failed;
      ++finished;
      std::printf("[%zu/%zu] %s failed (exit %d): %s\n", finished, total, name.c_str(), code,
                  last_line(run_dir / "task.log").c_str());
    }
    std::fflush(stdout);
  }
  std::printf("sweep %s: %zu of %zu runs done, %zu failed%s%s\n", plan.name.c_str(), done,
              plan.runs.size(), failed,
              elsewhere ? (", " + std::to_string(elsewhere) + " running elsewhere").c_str() : "",
              g_stop ? "; interrupted (run it again to finish)" : "");
  if (g_stop) return 130;
  return failed ? 1 : 0;
}

}  // namespace ts::cli
