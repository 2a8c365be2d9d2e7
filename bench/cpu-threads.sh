#!/usr/bin/env bash
# The main job's training throughput (tokens/s) at 1 and 2 CPU threads, before and after a change, alternated
# in one call so that every configuration sees the same machine. Usage (from the repository root):
#   bench/cpu-threads.sh [STEPS] [ROUNDS] [BEFORE_COMMIT]
# STEPS: optimizer steps per run (default 40); ROUNDS: runs of each configuration (default 3); BEFORE_COMMIT:
# a commit to measure as "before" (built from `git archive` in a temp folder; default: none). Raw output of every
# run goes to bench/results/cpu-threads-DATE-COMMIT.log, the summary (median, min, max) to stdout and the log.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-40}; rounds=${2:-3}; before=${3:-}
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src infra || echo "-dirty")
log="bench/results/cpu-threads-$(date -u +%Y%m%d-%H%M)-$commit.log"
infra/setup.sh >/dev/null
dotnet build src/Silo -c Release -nologo -clp:ErrorsOnly >/dev/null
after="src/Silo/bin/Release/net10.0/distributed.dll"
shim="$PWD/artifacts/native/build/libdst_native.so"
# name|environment|arguments. "after 2 spinning" keeps libgomp's own default wait (spin 300,000 iterations, then
# sleep) instead of the passive wait the process sets, to show what that choice is worth.
configs=("after 1||--threads 1" "after 2||--threads 2" "after 2 spinning|GOMP_SPINCOUNT=300000|--threads 2")
if [ -n "$before" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  git archive "$before" | tar -x -C "$tmp"
  (cd "$tmp" && dotnet build src/Silo -c Release -nologo -clp:ErrorsOnly >/dev/null)
  before_dll="$tmp/src/Silo/bin/Release/net10.0/distributed.dll"
  # Before: libtorch's own default (intra-op = hardware threads / 2), then 1 and 2 threads through the variables
  # libgomp and OpenBLAS read at load; the current shim serves the old build (its exports are a superset).
  configs=("before default||" "before 1|OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1|" "before 2|OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2|" "${configs[@]}")
fi
{
  echo "# bench/cpu-threads.sh $steps $rounds $before"
  echo "# commit $commit (before: ${before:-none}), $(date -u +%FT%TZ), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
} | tee "$log"
declare -A results
for r in $(seq "$rounds"); do
  for c in "${configs[@]}"; do
    IFS='|' read -r name vars args <<<"$c"
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    if [[ $name == before* ]]; then
      # shellcheck disable=SC2086
      out=$(env DST_NATIVE_LIB="$shim" $vars dotnet "$before_dll" train --steps "$steps" 2>&1)
    else
      # shellcheck disable=SC2086
      out=$(env $vars dotnet "$after" train --job jobs/main.json --steps "$steps" $args 2>&1)
    fi
    tps=$(grep "step $steps/$steps" <<<"$out" | grep -o '[0-9,]* tok/s' | tr -d , | cut -d' ' -f1)
    { echo "## round $r, $name ($vars $args), load before: $load"; echo "$out"; } >> "$log"
    echo "round $r  $name: ${tps:-FAILED} tokens/s (load $load)" | tee -a "$log"
    results[$name]+="${tps:-0} "
  done
done
echo "# summary: configuration, median tokens/s, min, max over $rounds rounds" | tee -a "$log"
for c in "${configs[@]}"; do
  name=${c%%|*}
  sorted=$(tr ' ' '\n' <<<"${results[$name]}" | grep -v '^$' | sort -n)
  n=$(wc -l <<<"$sorted")
  median=$(sed -n "$(( (n + 1) / 2 ))p" <<<"$sorted")
  echo "$name: median $median, min $(head -1 <<<"$sorted"), max $(tail -1 <<<"$sorted")" | tee -a "$log"
done
echo "raw output: $log"
