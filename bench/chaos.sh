#!/usr/bin/env bash
# The chaos suite as a benchmark (issue 11, bench/RESULTS.md "Recovery"): every scenario RUNS times (default 5) with
# seeds 1..RUNS on a cluster of real silo processes (Azurite, a coordinator silo, four CPU workers over Gloo), then
# per scenario the median and max of detection time, time from the failure to the next completed step, and steps lost.
# Usage: bench/chaos.sh [RUNS]   (from the repository root, after infra/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
commit="$(git rev-parse --short HEAD)"
out="bench/results/recovery-$(date -u +%Y%m%d-%H%M)-$commit"
mkdir -p "$out"
results="$PWD/$out/runs.jsonl"
: > "$results"
echo "chaos suite: $runs run(s) per scenario, commit $commit, load $(cut -d' ' -f1-3 /proc/loadavg); raw output in $out"
rc=0
CHAOS_RUNS="$runs" CHAOS_RESULTS="$results" dotnet test tests/Cluster.Tests -c Release --filter "FullyQualifiedName~ChaosTests" \
  --logger "console;verbosity=detailed" > "$out/test-output.log" 2>&1 || rc=$?
grep -E '^\s+(Failed|Passed) Distributed' "$out/test-output.log" | sed 's/^ *//' > "$out/tests.txt" || true
python3 - "$results" <<'PY' | tee "$out/summary.md"
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["Scenario"], []).append(r)
names = ["WorkerKill", "CoordinatorKill", "CheckpointKill", "WorkerPause", "StorageOutage", "ThreeKills"]
# The third kill of ThreeKills leaves fewer than the minimum world: no replica goes on, the job restores from blob.
restore = lambda x: "below the minimum" in x["Fault"]
def fmt(xs):
    xs = [x for x in xs if x is not None]
    return f"{statistics.median(xs):.2f} / {max(xs):.2f}" if xs else "-"
print("| scenario | runs | faults | detection s (median / max) | failure → next step s (median / max) | steps lost (median / max) |")
print("|---|---:|---:|---:|---:|---:|")
for i, s in enumerate(names):
    runs = by.get(s, []) + by.get(i, []) + by.get(str(i), [])  # the scenario is written as its name or its number
    if not runs: continue
    for label, rec in [(s, [x for r in runs for x in r["Recoveries"] if not restore(x)]),
                       (s + ", restore from blob", [x for r in runs for x in r["Recoveries"] if restore(x)])]:
        if not rec and label != s: continue
        lost = [x["StepsLost"] for x in rec]
        print(f"| {label} | {len(runs)} | {len(rec)} | {fmt([x['DetectionSeconds'] for x in rec])} | {fmt([x['NextStepSeconds'] for x in rec])} | "
              f"{(f'{statistics.median(lost):.0f} / {max(lost)}' if lost else '-')} |")
PY
echo "tests: $(grep -c '^Passed' "$out/tests.txt" || true) passed, $(grep -c '^Failed' "$out/tests.txt" || true) failed (per scenario, each of its $runs runs checked); load at the end $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.md"
[ "$rc" -eq 0 ] || { grep -A3 'FAIL\]' "$out/test-output.log" | head -40; echo "the chaos suite failed: $out/test-output.log"; exit "$rc"; }
