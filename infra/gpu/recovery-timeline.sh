#!/usr/bin/env bash
# Issue 11's GPU recovery timeline (2 GPUs) and issue 13's (4: kill 1 of 4, then a second). On a GPU host with N GPUs,
# after `infra/gpu/bundle.sh src/Silo` here: a host-mode cluster (`distributed silo --mode host`: a primary silo
# without GPUs, where the job's coordinator goes, and one silo process per GPU), the job $JOB (default
# jobs/recovery-opt-1.3b.json: AutoCompressor, OPT-1.3B shapes, bf16) on all N GPUs with a checkpoint every
# $EVERY steps to local disk; at step $KILL_AT kill -9 of the last worker's process, and with KILLS=2 of the next
# one $GAP steps later; then the job's timeline (detected, aborted, worker-lost, world-formed, trains again, steps lost)
# and the step times around the kills, from `distributed job status --json`.
# With RESTART=1 the killed workers' silos are started again afterwards: the job grows back to them or, when every
# worker was killed (N=1 works too), restores its last committed checkpoint on them.
# Usage: bash infra/gpu/recovery-timeline.sh N [--cpu]
#   --cpu: the same sequence with CPU workers (Gloo) and the small jobs/cluster-autocompressor.json, from this
#          checkout's Release build (dotnet build src/Silo -c Release): checks the script on a machine without GPUs.
# Environment: JOB, KILL_AT (30), KILLS (1), GAP (20), EVERY (50), RESTART (0), LIMIT_S (480: the whole sequence stops by then),
# DST_COMMIT (the commit to record). Results under $OUT (or /tmp/out): recovery-timeline.txt (the summary), status.json
# (the job's final status), silo-*.log (each process).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-/tmp/out}"
n="${1:-}"
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bash infra/gpu/recovery-timeline.sh N [--cpu]   (N workers, N >= 1)"; exit 2; }
cpu=0
case "${2:-}" in "") ;; --cpu) cpu=1 ;; *) echo "recovery-timeline: unknown argument '$2' (expected --cpu)"; exit 2 ;; esac
kill_at="${KILL_AT:-30}" kills="${KILLS:-1}" gap="${GAP:-20}" every="${EVERY:-50}" limit="${LIMIT_S:-480}" restart="${RESTART:-0}"
[[ "$restart" =~ ^[01]$ ]] || { echo "recovery-timeline: RESTART '$restart' must be 0 or 1"; exit 2; }
for v in kill_at kills gap every limit; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "recovery-timeline: ${v^^} '${!v}' must be a positive whole number"; exit 2; }
done
[ "$kills" -lt "$n" ] || { [ "$restart" -eq 1 ] && [ "$kills" -le "$n" ]; } ||
  { echo "recovery-timeline: KILLS=$kills would leave no worker of $n (RESTART=1 starts the killed ones again)"; exit 2; }
mkdir -p "$out"
work="${DST_WORK:-/tmp/dst}"
if [ "$cpu" -eq 1 ]; then
  app=(dotnet "$root/src/Silo/bin/Release/net10.0/distributed.dll")
  [ -f "${app[1]}" ] || { echo "recovery-timeline: build it first: dotnet build src/Silo -c Release"; exit 1; }
  job="${JOB:-$root/jobs/cluster-autocompressor.json}"
else
  # The shim against this host's torch, and the bundle (infra/gpu/run.sh's first steps).
  torch_dir="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
  abi="$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')"
  cmake -S "$root/src/Trainer/Native" -B "$work/native" -DCMAKE_BUILD_TYPE=Release -DTORCH_DIR="$torch_dir" -DDST_CXX11_ABI="$abi" >"$out/build.log" 2>&1 &&
    cmake --build "$work/native" -j "$(nproc)" >>"$out/build.log" 2>&1 || { tail -20 "$out/build.log"; echo "recovery-timeline: the native build failed"; exit 1; }
  rm -rf "$work/app" && tar -C "$work" -xJf "$root/.bundle/app.tar.xz" || { echo "recovery-timeline: no .bundle/app.tar.xz: run infra/gpu/bundle.sh src/Silo and carry .bundle"; exit 1; }
  # The jobs' corpus, carried in the bundle (infra/gpu/bundle.sh) where the host lacks the Debian package.
  if [ ! -d /usr/share/games/fortunes ] && [ -d "$root/.bundle/fortunes" ]; then
    mkdir -p /usr/share/games/fortunes && cp "$root"/.bundle/fortunes/* /usr/share/games/fortunes/ ||
      { echo "recovery-timeline: could not install the corpus to /usr/share/games/fortunes"; exit 1; }
  fi
  export DST_NATIVE_LIB="$work/native/libdst_native.so" NCCL_NVLS_ENABLE="${NCCL_NVLS_ENABLE:-0}"
  app=("$work/app/distributed")
  job="${JOB:-$root/jobs/recovery-opt-1.3b.json}"
fi
commit="${DST_COMMIT:-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DISTRIBUTED_THREADS="${DISTRIBUTED_THREADS:-2}"
state="$work/recovery-state" checkpoints="$work/recovery-checkpoints"
rm -rf "$state" "$checkpoints"; mkdir -p "$state" "$checkpoints"
primary=21111 gateway=31000
start=$(date +%s)
elapsed() { echo $(( $(date +%s) - start )); }
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 3; for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT
silo() { # silo NAME GPUS SILO_PORT GATEWAY_PORT (a restarted silo logs to silo-NAME.restart.log)
  local log="$out/silo-$1.log"
  [ -f "$log" ] && log="$out/silo-$1.restart.log"
  "${app[@]}" silo --mode host --state-dir "$state" --primary-port "$primary" --silo-port "$3" --gateway-port "$4" --name "$1" --gpus "$2" \
    --dashboard-port off > "$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do grep -q " ready: " "$log" && return 0; sleep 1; done
  echo "recovery-timeline: silo $1 did not start:"; tail -20 "$log"; exit 1
}
client() { "${app[@]}" job "$@" --mode host --state-dir "$state" --gateway-port "$gateway"; }
step() { client status "$id" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["step"])' 2>/dev/null || echo 0; }
wait_step() { # wait_step STEP: stops at once when the job ended (failed, cancelled, completed), with its error
  local now state error
  while true; do
    IFS=$'\t' read -r now state error < <(client status "$id" --json 2>/dev/null |
      python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["step"], s["state"], (s.get("error") or "-").replace("\n", " "), sep="\t")' 2>/dev/null || printf '0\tunknown\t-\n')
    [ "${now:-0}" -ge "$1" ] && return 0
    case "$state" in failed|cancelled|completed)
      echo "recovery-timeline: the job ended ($state) at step $now before step $1: $error" | tee -a "$out/recovery-timeline.txt"; return 1 ;;
    esac
    [ "$(elapsed)" -lt "$limit" ] || { echo "recovery-timeline: step $1 not reached within ${limit} s"; return 1; }
    sleep 1
  done
}

rm -f "$out"/silo-*.log
echo "recovery-timeline: $n workers ($([ "$cpu" -eq 1 ] && echo CPU || echo GPU)), job $job, kill at step $kill_at (kills $kills, gap $gap, restart $restart), checkpoint every $every, commit $commit" | tee "$out/recovery-timeline.txt"
silo primary "" "$primary" "$gateway"
declare -A worker_pid
# The workers start in parallel; wait for those starters only (a bare `wait` would also wait for the primary silo).
starters=()
for g in $(seq 0 $((n - 1))); do silo "w$g" "$g" $((primary + 1 + g)) $((gateway + 1 + g)) & starters+=($!); done
wait "${starters[@]}" || { echo "recovery-timeline: a worker silo did not start (silo-w*.log)"; exit 1; }
# Started in subshells (in parallel): their pids are found here, for the kills and the cleanup.
for g in $(seq 0 $((n - 1))); do worker_pid[$g]="$(pgrep -f -- "--name w$g --gpus $g" | head -1)"; pids+=("${worker_pid[$g]}"); done
id="recovery-$(date -u +%H%M%S)"
client submit "$job" --min 1 --max "$n" --checkpoint-every "$every" --storage "$checkpoints" --id "$id" --detach > "$out/submit.log" 2>&1 ||
  { cat "$out/submit.log"; echo "recovery-timeline: submit failed"; exit 1; }
victim=$((n - 1))
for k in $(seq 1 "$kills"); do
  at=$((kill_at + (k - 1) * gap))
  wait_step "$at" || break
  echo "$(date -u +%H:%M:%S.%3N) kill -9 of worker w$victim (pid ${worker_pid[$victim]}) at step $(step)" | tee -a "$out/recovery-timeline.txt"
  kill -9 "${worker_pid[$victim]}"
  victim=$((victim - 1))
done
last=$((kill_at + (kills - 1) * gap))
if [ "$restart" -eq 1 ]; then
  for g in $(seq $((victim + 1)) $((n - 1))); do
    echo "$(date -u +%H:%M:%S.%3N) restart of worker w$g" | tee -a "$out/recovery-timeline.txt"
    silo "w$g" "$g" $((primary + 1 + g)) $((gateway + 1 + g))
  done
  # Past the step the kills left it at, in the world that took the restarted workers in.
  last=$(( $(step) > last ? $(step) : last ))
fi
wait_step $((last + 10))
client status "$id" --json > "$out/status.json" 2>/dev/null
client cancel "$id" > /dev/null 2>&1
python3 - "$out/status.json" <<'PY' | tee -a "$out/recovery-timeline.txt"
import json, sys
s = json.load(open(sys.argv[1]))
print(f"job {s['id']}: {s['state']} at step {s['step']}, world of {len(s['world'])}")
for e in s["events"]:
    if e["kind"] in ("submitted", "world-formed", "detected", "aborted", "worker-lost", "started", "regrouping", "released", "restored",
                     "checkpoint-committed", "checkpoint-abandoned"):
        print(f"{e['time'][11:23]} {e['kind']}: {e['detail']}")
PY
echo "recovery-timeline: done in $(elapsed) s; raw output in $out"
