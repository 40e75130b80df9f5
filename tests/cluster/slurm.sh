#!/usr/bin/env bash
# A sweep on a real one-node Slurm cluster: Debian's munge, slurmctld and slurmd (installed by
# third_party/install-deps.sh) started here from a slurm.conf generated into a temporary
# directory (this host, its cores, its own ports, state and munge socket; SLURM_CONF points at
# it), and stopped by their pid files at the end, also when the test fails. Through it:
#   - a 6-run sweep (2 rates x 3 seeds) submitted with `sweep slurm --submit` completes, and
#     `sweep status --json` agrees with the run directories;
#   - run 0, sent the time-limit signal (scancel --signal=USR2) while it trains, checkpoints,
#     requeues itself, resumes on its second attempt, and its metrics.csv runs 1..N with no
#     gap and no repeat, row for row the same as the same config trained in one go.
set -euo pipefail
cli="$(realpath "$1")"
for tool in munged mungekey slurmctld slurmd sbatch squeue scancel scontrol; do
  command -v "$tool" > /dev/null || { echo "$tool is missing: run third_party/install-deps.sh"; exit 1; }
done
work=$(mktemp -d /tmp/trainscope-slurm.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/munge" "$work/run" "$work/state" "$work/spool" "$work/log"
chmod 700 "$work/munge"
export SLURM_CONF="$work/slurm.conf"

stop_cluster() {
  local code=$?
  scancel --quiet --user="$(id -un)" 2> /dev/null || true
  for daemon in slurmd slurmctld munged; do
    local pidfile="$work/run/$daemon.pid"
    [[ -s "$pidfile" ]] || continue
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2> /dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
  done
  if ((code != 0)); then
    echo "--- slurmctld.log"; tail -20 "$work/log/slurmctld.log" 2> /dev/null || true
    echo "--- slurmd.log"; tail -20 "$work/log/slurmd.log" 2> /dev/null || true
    for f in "$work"/sweep/logs/*.out; do [[ -e "$f" ]] && { echo "--- $f"; grep -v '^step' "$f"; }; done
  fi
  rm -rf "$work"
  exit "$code"
}
trap stop_cluster EXIT

# Two free ports of our own.
port_free() { ! (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
base=$((20000 + ($$ % 20000) * 2))
while ! port_free "$base" || ! port_free $((base + 1)); do base=$((base + 2)); done
node=$(hostname -s)
cores=$(nproc)

mungekey --create --keyfile="$work/munge/munge.key"
munged --key-file="$work/munge/munge.key" --socket="$work/run/munge.sock" \
  --pid-file="$work/run/munged.pid" --log-file="$work/log/munged.log" \
  --seed-file="$work/munge/munged.seed"

# cred_expire: how long a requeued job waits before it may start again (default 120 s).
cat > "$SLURM_CONF" <<CONF
ClusterName=trainscope
SlurmctldHost=$node(127.0.0.1)
SlurmUser=$(id -un)
SlurmdUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
AuthInfo=socket=$work/run/munge.sock,cred_expire=10
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=300
SchedulerParameters=sched_interval=1,bf_interval=1
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cores State=UNKNOWN
PartitionName=sweeps Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld
slurmd
for _ in $(seq 100); do
  sinfo -h -o '%T' 2> /dev/null | grep -q '^idle' && break
  sleep 0.2
done
sinfo -h -o '%T' | grep -q '^idle' || { echo "the node did not come up"; sinfo; exit 1; }

# The sweep: 2 rates x 3 seeds, 3000 steps of LeNet-300-100 each.
cat > "$work/rates.json" <<'JSON'
{"name": "rates", "base": "lenet-300-100-mnist",
 "set": {"training.steps": 3000, "training.epochs": 0, "monitor.stats_interval": 0},
 "grid": {"schedule.lr": [0.05, 0.1], "training.seed": [1, 2, 3]}}
JSON
"$cli" sweep plan "$work/rates.json" --out "$work/sweep" > /dev/null
out=$("$cli" sweep slurm "$work/sweep" --cpus-per-task 1 --time 30 --checkpoint-seconds 1 --submit)
echo "$out"
job=$(echo "$out" | sed -n 's/^submitted job \([0-9]*\).*/\1/p')
[[ -n "$job" ]] || { echo "no job id from --submit"; exit 1; }
grep -q "\"id\": \"$job\"" "$work/sweep/manifest.json" || { echo "the manifest does not record job $job"; exit 1; }
grep -q '^#SBATCH --array=0-5$' "$work/sweep/slurm.sh" || { echo "slurm.sh is not an array of 6"; exit 1; }

# Run 0's time-limit signal, once it has trained a few hundred steps.
m0="$work/sweep/run-0000/metrics.csv"
for _ in $(seq 600); do
  [[ -f "$m0" ]] && (($(wc -l < "$m0") > 300)) && break
  sleep 0.1
done
(($(wc -l < "$m0") > 300)) || { echo "run 0 did not start training"; squeue; exit 1; }
# scancel delivers at once, then retries while the requeued job is pending ("transitional"):
# stopped before the job starts again, so the second attempt is not signalled too.
timeout 4 scancel --signal=USR2 "${job}_0" 2> /dev/null || true
signalled_at=$(($(wc -l < "$m0") - 1))

# Every task to its end (the requeued one waits cred_expire before it starts again).
for _ in $(seq 900); do
  [[ -z "$(squeue -h -j "$job" 2> /dev/null)" ]] && break
  sleep 0.2
done
[[ -z "$(squeue -h -j "$job")" ]] || { echo "the job did not finish in 3 minutes"; squeue; exit 1; }

status=$("$cli" sweep status "$work/sweep" --json)
echo "$status" | grep -q '"done":6' || { echo "status: $status"; exit 1; }
echo "$status" | grep -q '"failed":0' || { echo "status: $status"; exit 1; }
echo "$status" | grep -q '"pending":0' || { echo "status: $status"; exit 1; }
# ... and the run directories say the same: each ended, at its 3000th step.
for r in "$work"/sweep/run-000{0..5}; do
  grep -q '"state": "done"' "$r/task.json" || { echo "$r: $(cat "$r/task.json")"; exit 1; }
  [[ $(tail -1 "$r/metrics.csv" | cut -d, -f1) == 3000 ]] || { echo "$r did not reach 3000"; exit 1; }
  grep -q '^3000,end,"reached the planned' "$r/events.csv" || { echo "$r has no end"; exit 1; }
done

# Run 0: checkpointed on the signal, requeued, resumed.
r0="$work/sweep/run-0000"
grep -q '"attempt": 2' "$r0/task.json" || { echo "run 0 was not resumed: $(cat "$r0/task.json")"; exit 1; }
grep -q 'exit 75 asks to be requeued' "$work"/sweep/logs/"${job}"_0.out \
  || { echo "run 0 did not checkpoint on the signal"; cat "$work"/sweep/logs/"${job}"_0.out; exit 1; }
grep -q "requeueing job" "$work"/sweep/logs/"${job}"_0.out || { echo "run 0 did not requeue"; exit 1; }
resumed=$(grep -c ',open,' "$r0/events.csv")
[[ "$resumed" == 2 ]] || { echo "run 0 opened $resumed times"; cat "$r0/events.csv"; exit 1; }
awk -F, 'NR > 1 && $1 != NR - 1 { print "line " NR ": step " $1; bad = 1; exit }
         END { exit bad }' "$r0/metrics.csv" || { echo "run 0's metrics.csv has a gap or a repeat"; exit 1; }
[[ $(($(wc -l < "$r0/metrics.csv") - 1)) == 3000 ]] || { echo "run 0 has not 3000 rows"; exit 1; }
# The same config in one go, by hand: the same rows (the seconds column aside).
"$cli" train --config "$r0/config.json" --threads 1 --out "$work/whole" --quiet > /dev/null
diff <(cut -d, -f1-11 "$r0/metrics.csv") <(cut -d, -f1-11 "$work/whole/metrics.csv") > /dev/null \
  || { echo "run 0 resumed is not the run trained in one go"; exit 1; }
echo "slurm test passed: job $job, 6 runs done; run 0 signalled near step $signalled_at, requeued and resumed, 3000 rows equal to one go"
