#!/usr/bin/env bash
# `sweep run --local`, killed and started again, finishes every run, redoes nothing and loses or
# repeats no row:
#   A. the runner alone is SIGKILLed while runs 0 and 1 train: its tasks get SIGTERM from the
#      kernel (parent-death signal), checkpoint, and ask to be requeued;
#   B. run again, the runner and its tasks are SIGKILLed together while runs 2 and 3 train:
#      those resume from their last periodic checkpoint, and the rows after it are replaced;
#   C. run again to the end: every run is done; runs 0 and 1 were not redone (their files are
#      untouched by C); runs 2 and 3 resumed, not restarted; every metrics.csv runs 1..3000, row
#      for row equal to the same config trained in one go.
# Then `sweep status`, `sweep parallel` (its printed GNU parallel line, run here) and a
# manifest edited by hand.
set -euo pipefail
cli="$(realpath "$1")"
work=$(mktemp -d)
runner=""
cleanup() {
  [[ -n "$runner" ]] && kill -KILL -- "-$runner" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/s.json" <<'JSON'
{"name": "local", "base": "lenet-300-100-mnist",
 "set": {"training.steps": 3000, "training.epochs": 0, "monitor.stats_interval": 0},
 "grid": {"schedule.lr": [0.05, 0.1], "training.seed": [1, 2]}}
JSON
s="$work/sweep"
"$cli" sweep plan "$work/s.json" --out "$s" > /dev/null
rows() { if [[ -f "$s/$1/metrics.csv" ]]; then echo $(($(wc -l < "$s/$1/metrics.csv") - 1)); else echo 0; fi; }
has_checkpoint() { compgen -G "$s/$1/checkpoints/step-*.safetensors" > /dev/null; }
wait_until() {  # wait_until SECONDS COMMAND...
  local limit=$(($1 * 10)); shift
  for _ in $(seq "$limit"); do "$@" && return 0; sleep 0.1; done
  return 1
}
no_task_running() { "$cli" sweep status "$s" --json | grep -q '"running":0'; }
start_runner() {
  setsid "$cli" sweep run "$s" --local --jobs 2 --checkpoint-seconds 1 >> "$work/runner.log" 2>&1 &
  runner=$!
}

# A. The runner alone.
start_runner
wait_until 60 bash -c "[[ -f '$s/run-0001/metrics.csv' ]] && (( \$(wc -l < '$s/run-0001/metrics.csv') > 500 ))" \
  || { echo "run 1 did not start"; cat "$work/runner.log"; exit 1; }
kill -KILL "$runner"
wait_until 20 no_task_running || { echo "the tasks outlived their runner"; exit 1; }
for r in run-0000 run-0001; do
  grep -q '"state": "requeue"' "$s/$r/task.json" || { echo "$r: $(cat "$s/$r/task.json")"; exit 1; }
  has_checkpoint "$r" || { echo "$r wrote no checkpoint on its parent's death"; exit 1; }
done

# B. The runner and its tasks at once, once runs 2 and 3 have a periodic checkpoint.
start_runner
wait_until 60 bash -c "compgen -G '$s/run-0002/checkpoints/step-*' > /dev/null && compgen -G '$s/run-0003/checkpoints/step-*' > /dev/null && (( \$(wc -l < '$s/run-0003/metrics.csv') > 1500 ))" \
  || { echo "runs 2 and 3 did not checkpoint"; cat "$work/runner.log"; "$cli" sweep status "$s"; exit 1; }
kill -KILL -- "-$runner"
runner=""
wait_until 20 no_task_running || { echo "a killed task still holds its run"; exit 1; }
st=$("$cli" sweep status "$s")
grep -q 'pending  run-0002  resumes at step' <<< "$st" || { echo "$st"; exit 1; }
stamp() { stat -c '%Y.%y' "$s"/run-000[01]/metrics.csv "$s"/run-000[01]/events.csv | md5sum; }
before=$(stamp)

# C. To the end.
"$cli" sweep run "$s" --local --jobs 2 --checkpoint-seconds 1 > "$work/last.log" \
  || { cat "$work/last.log"; exit 1; }
grep -q 'sweep local: 4 of 4 runs done, 0 failed' "$work/last.log" || { cat "$work/last.log"; exit 1; }
[[ "$(stamp)" == "$before" ]] || { echo "a finished run was redone"; cat "$work/last.log"; exit 1; }
"$cli" train --config "$s/run-0002/config.json" --threads 1 --out "$work/whole2" --quiet > /dev/null
"$cli" train --config "$s/run-0000/config.json" --threads 1 --out "$work/whole0" --quiet > /dev/null
for r in run-0000 run-0001 run-0002 run-0003; do
  m="$s/$r/metrics.csv"
  awk -F, 'NR > 1 && $1 != NR - 1 { print "line " NR ": step " $1; bad = 1; exit } END { exit bad }' "$m" \
    || { echo "$r: metrics.csv has a gap or a repeat"; exit 1; }
  [[ $(rows "$r") == 3000 ]] || { echo "$r has $(rows "$r") rows"; exit 1; }
  opens=$(grep -c ',open,' "$s/$r/events.csv")
  [[ "$opens" == 2 ]] || { echo "$r was opened $opens times"; cat "$s/$r/events.csv"; exit 1; }
  # The second open is a resume from a checkpoint past step 0, not a fresh start.
  grep ',open,' "$s/$r/events.csv" | tail -1 | grep -q '^[1-9]' \
    || { echo "$r was restarted from scratch"; grep ',open,' "$s/$r/events.csv"; exit 1; }
done
diff <(cut -d, -f1-11 "$s/run-0002/metrics.csv") <(cut -d, -f1-11 "$work/whole2/metrics.csv") > /dev/null \
  || { echo "run 2, killed and resumed, differs from one go"; exit 1; }
diff <(cut -d, -f1-11 "$s/run-0000/metrics.csv") <(cut -d, -f1-11 "$work/whole0/metrics.csv") > /dev/null \
  || { echo "run 0, signalled and resumed, differs from one go"; exit 1; }
again=$("$cli" sweep run "$s" --local)
grep -q '4 done, 0 to run' <<< "$again" || { echo "a done sweep ran again: $again"; exit 1; }

# The status agrees: 4 done, ranked by the best validation accuracy.
st=$("$cli" sweep status "$s" --json)
echo "$st" | grep -q '"done":4,"failed":0' || { echo "$st"; exit 1; }
st=$("$cli" sweep status "$s")
grep -q '^best by best_validation_accuracy:' <<< "$st" || { echo "$st"; exit 1; }
if "$cli" sweep status "$s" --metric accuracy 2> "$work/err"; then echo "a bad metric was taken"; exit 1; fi
grep -q -- '--metric accuracy: unknown' "$work/err" || { cat "$work/err"; exit 1; }

# GNU parallel: the printed line, run on this machine, finishes a second sweep.
sed 's/"local"/"par"/; s/"training.steps": 3000/"training.steps": 200/' "$work/s.json" > "$work/p.json"
"$cli" sweep plan "$work/p.json" --out "$work/par" > /dev/null
line=$("$cli" sweep parallel "$work/par" --hosts : --jobs-per-host 2)
echo "$line" | grep -q -- "--sshlogin '2/:'" || { echo "$line"; exit 1; }
bash -c "$line" > "$work/parallel.log" 2>&1 || { cat "$work/parallel.log"; exit 1; }
"$cli" sweep status "$work/par" --json | grep -q '"done":4,"failed":0' \
  || { "$cli" sweep status "$work/par"; cat "$work/parallel.log"; exit 1; }

# A manifest edited by hand into disagreeing with its runs: refused, naming the field; nothing
# written.
cp "$s/manifest.json" "$work/manifest.good"
sed -i '0,/"schedule.lr": 0.05/s//"schedule.lr": 0.5/' "$s/manifest.json"
snapshot() { find "$s" -type f -printf '%p %s %T@\n' | sort | md5sum; }
before=$(snapshot)
for cmd in "status $s" "task $s 0" "run $s --local" "slurm $s"; do
  if "$cli" sweep $cmd 2> "$work/err" > /dev/null; then echo "sweep $cmd took a bad manifest"; exit 1; fi
  grep -q 'manifest.json.runs\[0\].values.schedule.lr: 0.5 here, but .*run-0000/planned.json has 0.05' "$work/err" \
    || { echo "sweep $cmd:"; cat "$work/err"; exit 1; }
done
[[ "$(snapshot)" == "$before" ]] || { echo "a refused manifest had files written"; exit 1; }
cp "$work/manifest.good" "$s/manifest.json"
sed -i '0,/"run-0001"/s//"run-0000"/' "$s/manifest.json"
if "$cli" sweep status "$s" 2> "$work/err"; then echo "two runs of one name were taken"; exit 1; fi
grep -q 'runs\[1\].name: "run-0000" names two runs' "$work/err" || { cat "$work/err"; exit 1; }
echo "sweep local test passed: killed twice, resumed, 4 runs of 3000 rows equal to one go; parallel; bad manifests refused"
