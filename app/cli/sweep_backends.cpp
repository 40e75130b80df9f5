// How a planned sweep runs beyond this process, on engines that exist: `sweep slurm` writes a
// Slurm job array (DIR/slurm.sh) whose every task is `sweep task DIR $SLURM_ARRAY_TASK_ID`,
// requeued when the task asks for it (exit 75, after a time-limit or preemption signal), and
// `sweep parallel` prints the GNU parallel command that runs the same tasks over ssh hosts.
// Both assume the sweep's directory and this program are at the same path on every machine
// (a shared filesystem).
#include "app/cli/commands.h"
#include "core/error.h"
#include "core/experiment/sweep.h"
#include "core/io/atomic_file.h"
#include "core/run/sweep_status.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace ts::cli {

namespace {
// A word the shell takes as it is.
std::string shell_word(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Slurm's time forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S. Seconds; throws naming --time.
int64_t slurm_seconds(const std::string& t) {
  auto bad = [&]() -> Error {
    return Error("--time " + t +
                 ": not a Slurm time (minutes, minutes:seconds, hours:minutes:seconds, "
                 "days-hours, days-hours:minutes or days-hours:minutes:seconds)");
  };
  if (t.empty() || t.size() > 20) throw bad();
  int64_t days = 0;
  std::string rest = t;
  const auto dash = t.find('-');
  if (dash != std::string::npos) {
    const std::string d = t.substr(0, dash);
    if (d.empty() || d.size() > 5 || !std::all_of(d.begin(), d.end(), ::isdigit)) throw bad();
    days = std::stoll(d);
    rest = t.substr(dash + 1);
  }
  std::vector<int64_t> parts;
  std::size_t start = 0;
  while (true) {
    const auto colon = rest.find(':', start);
    const std::string p = rest.substr(start, colon == std::string::npos ? colon : colon - start);
    if (p.empty() || p.size() > 9 || !std::all_of(p.begin(), p.end(), ::isdigit)) throw bad();
    parts.push_back(std::stoll(p));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() > 3) throw bad();
  if (dash != std::string::npos) {  // D-H, D-H:M, D-H:M:S
    const int64_t h = parts[0], m = parts.size() > 1 ? parts[1] : 0,
                  s = parts.size() > 2 ? parts[2] : 0;
    return ((days * 24 + h) * 60 + m) * 60 + s;
  }
  if (parts.size() == 1) return parts[0] * 60;
  if (parts.size() == 2) return parts[0] * 60 + parts[1];
  return (parts[0] * 60 + parts[1]) * 60 + parts[2];
}

std::string absolute_path(const std::filesystem::path& p) {
  return std::filesystem::weakly_canonical(std::filesystem::absolute(p)).string();
}

std::string self_path() { return std::filesystem::read_symlink("/proc/self/exe").string(); }
}  // namespace

int sweep_slurm(const SweepSlurmOptions& o) {
  namespace fs = std::filesystem;
  const SweepPlan plan = read_sweep_plan(o.dir);
  // The time-limit signal: two minutes before the end, or a quarter of a shorter limit (Slurm
  // may send it up to a minute early; a checkpoint takes well under a second).
  int64_t lead = 120;
  if (!o.time.empty()) {
    const int64_t limit = slurm_seconds(o.time);
    if (limit <= 0) throw Error("--time " + o.time + ": must be longer than 0");
    lead = std::min<int64_t>(lead, std::max<int64_t>(limit / 4, 1));
  }
  const std::string dir = absolute_path(plan.dir);
  const fs::path logs = fs::path(dir) / "logs";
  const std::string n = std::to_string(plan.runs.size() - 1);
  std::string array = "0-" + n;
  if (o.max_parallel > 0) array += "%" + std::to_string(o.max_parallel);
  std::string job_name = "trainscope-" + plan.name;
  std::string shown_name = plan.name;  // in a comment line: no line breaks
  for (char& c : shown_name)
    if (static_cast<unsigned char>(c) < 32) c = ' ';
  for (char& c : job_name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';

  std::string s;
  s += "#!/bin/bash\n";
  s += "# The sweep \"" + shown_name + "\" (" + std::to_string(plan.runs.size()) +
       " runs) as a Slurm job array, written by `trainscope-cli sweep slurm`.\n";
  s += "# Submit: sbatch " + shell_word(dir + "/slurm.sh") +
       "   Follow: trainscope-cli sweep status " + shell_word(dir) + "\n";
  s += "# Each array task runs one run to its end (`sweep task`): it resumes from the run's "
       "newest\n";
  s += "# checkpoint. On the time-limit signal (USR2, sent to the step) or a TERM sent to the\n";
  s +=
      "# step, it checkpoints and exits 75, and this script requeues the task. A preemption that\n";
  s += "# ends this script too is requeued by Slurm (--requeue); the task resumes from the\n";
  s += "# checkpoint it wrote on its TERM. Logs: logs/<job>_<task>.out.\n";
  s += "#SBATCH --job-name=" + job_name + "\n";
  s += "#SBATCH --array=" + array + "\n";
  s += "#SBATCH --ntasks=1\n";
  s += "#SBATCH --cpus-per-task=" + std::to_string(o.cpus_per_task) + "\n";
  if (!o.time.empty()) s += "#SBATCH --time=" + o.time + "\n";
  if (!o.partition.empty()) s += "#SBATCH --partition=" + o.partition + "\n";
  s += "#SBATCH --requeue\n";
  s += "#SBATCH --open-mode=append\n";
  s += "#SBATCH --output=" + (logs / "%A_%a.out").string() + "\n";
  s += "#SBATCH --signal=USR2@" + std::to_string(lead) + "\n";
  s += "set -u\n";
  // srun does not inherit --cpus-per-task from the batch script since Slurm 22.05.
  char every[32];
  std::snprintf(every, sizeof every, "%g", o.checkpoint_seconds);
  s += "srun --ntasks=1 --cpus-per-task=\"${SLURM_CPUS_PER_TASK:-1}\" " + shell_word(self_path()) +
       " sweep task " + shell_word(dir) +
       " \"$SLURM_ARRAY_TASK_ID\" --threads \"${SLURM_CPUS_PER_TASK:-1}\" "
       "--checkpoint-seconds " +
       every + "\n";
  s += "code=$?\n";
  s += "if [ \"$code\" -eq " + std::to_string(kTaskRequeue) + " ]; then\n";
  s += "  echo \"task $SLURM_ARRAY_TASK_ID checkpointed; requeueing job $SLURM_JOB_ID\"\n";
  s += "  scontrol requeue \"$SLURM_JOB_ID\"\n";
  s += "  exit 0\n";
  s += "fi\n";
  s += "# Another task is running this run (a duplicate submission): it is not a failure.\n";
  s += "if [ \"$code\" -eq " + std::to_string(kTaskBusy) + " ]; then exit 0; fi\n";
  s += "exit \"$code\"\n";

  fs::create_directories(logs);
  const fs::path script = fs::path(dir) / "slurm.sh";
  write_file_atomic(script, s);
  ::chmod(script.c_str(), 0755);
  std::printf(
      "wrote %s: %zu array tasks%s\n", script.string().c_str(), plan.runs.size(),
      o.max_parallel > 0 ? (", " + std::to_string(o.max_parallel) + " at a time").c_str() : "");
  if (!o.submit) return 0;

  const std::string cmd = "sbatch --parsable " + shell_word(script.string()) + " 2>&1";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw Error("sbatch: cannot be started");
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (status != 0 || out.empty() || !std::isdigit(static_cast<unsigned char>(out[0]))) {
    const bool missing = WIFEXITED(status) && WEXITSTATUS(status) == 127;
    throw Error(missing ? std::string("sbatch: not found; --submit needs Slurm's client "
                                      "commands (submit from a login node)")
                        : "sbatch " + script.string() + " failed: " + out);
  }
  const std::string id = out.substr(0, out.find(';'));
  nlohmann::json manifest = plan.manifest;
  manifest["slurm"]["jobs"].push_back(
      {{"id", id}, {"submitted", utc_timestamp()}, {"tasks", plan.runs.size()}});
  write_file_atomic(plan.manifest_path, manifest.dump(2) + "\n");
  std::printf("submitted job %s; follow it with: trainscope-cli sweep status %s\n", id.c_str(),
              shell_word(dir).c_str());
  return 0;
}

int sweep_parallel(const SweepParallelOptions& o) {
  const SweepPlan plan = read_sweep_plan(o.dir);
  const std::string dir = absolute_path(plan.dir);
  std::string logins;
  for (const std::string& h : o.hosts.empty() ? std::vector<std::string>{":"} : o.hosts) {
    if (h.empty() || h.find_first_of(" \t'\"") != std::string::npos)
      throw Error("--hosts: \"" + h + "\" is not a host GNU parallel's --sshlogin takes");
    logins += (logins.empty() ? "" : ",") + std::to_string(o.jobs_per_host) + "/" + h;
  }
  // A task asking to be requeued, or failing, is tried again (--retries); one another task is
  // running counts as done; TERM, then KILL a minute later, when parallel is interrupted.
  const std::string task = shell_word(self_path()) + " sweep task " + shell_word(dir) +
                           " {} --threads " + std::to_string(o.threads) + "; c=$?; [ $c -eq " +
                           std::to_string(kTaskBusy) + " ] && exit 0; exit $c";
  std::printf(
      "parallel --will-cite --sshlogin %s --retries 3 --termseq TERM,60000,KILL,25 "
      "--joblog %s %s ::: $(seq 0 %zu)\n",
      shell_word(logins).c_str(), shell_word(dir + "/logs/parallel.joblog").c_str(),
      shell_word(task).c_str(), plan.runs.size() - 1);
  std::filesystem::create_directories(std::filesystem::path(dir) / "logs");
  return 0;
}

}  // namespace ts::cli
