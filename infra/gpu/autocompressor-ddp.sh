#!/usr/bin/env bash
# On a GPU host with N GPUs, after `infra/gpu/bundle.sh bench/AutoCompressorBench` here (the bundle carries
# ../shared/bench/ref_autocompressor_ddp.py too): data-parallel AutoCompressor training throughput, ours (the cluster
# worker's path: TrainingSession + CollectiveGradientSync over our c10d ProcessGroupNCCL, one process per GPU) against
# PyTorch DDP (ref_autocompressor_ddp.py under torchrun), alternated run by run, for world sizes 1 and N, OPT sizes
# $SIZES and document lengths $LENGTHS. Both sides get the same argument string, the reference's own flags:
#   --size S --substeps K --segs-per-substep 2 --seglen 1536 --kappa 50 --steps T   with K = tokens / 3072
# (6,144 tokens: the reference's defaults, 2 substeps x 2 segments x 1,536; 30,720 tokens: 10 x 2 x 1,536).
# Each side runs 2 warm-up documents per rank, then T timed ones (T = $STEPS_SHORT for documents up to 6,144 tokens,
# $STEPS_LONG above); tokens/s = world x document tokens / rank 0's mean step time, as the reference computes it.
# NVLink multicast stays off (NCCL_NVLS_ENABLE=0) for both.
#
# Usage: bash infra/gpu/autocompressor-ddp.sh N [--dry-run]     (--dry-run: print the plan and the commands, run nothing)
#        bash infra/gpu/autocompressor-ddp.sh --summarize DIR   (the tables again, from DIR/ddp.jsonl)
# Environment: SIZES ("1.3b 2.7b"), LENGTHS ("6144 30720"), WORLDS ("1 N"; e.g. "1 2 4 8" for issue 13), STEPS_SHORT (5), STEPS_LONG (3), BUDGET_S (450: no run
# starts after this many seconds, so the whole call ends within about 9 minutes on 2 H200s; skipped runs are listed),
# RUN_TIMEOUT_S (150 per run), HARD_S (530: a run still going then is stopped, so that the summary is written),
# DST_COMMIT (the commit to record; default: git HEAD of the checkout).
# Results under $OUT (or /tmp/out):
#   ddp-plan.txt              every run's command line, in order
#   ddp-build.log             the native shim's build, and which collectives it has
#   ddp.jsonl                 one JSON line per run: the side's own result line plus impl, tag, wall_s (failed and
#                             skipped runs too, with "failed"/"skipped")
#   ours-TAG-rankR.log        each rank of our runs (stderr: configuration and per-step progress; stdout: the JSON line)
#   ddp-TAG.log               torchrun's log of each reference run (all ranks)
#   ddp-summary.md / .json    the tables: tokens/s ours vs DDP, ratio, peak memory, all-reduce share, scaling 1 -> N
#   ddp-times.txt             how long each part took
# TAG = SIZE-TOKENS-wWORLD, e.g. 1.3b-30720-w2.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-/tmp/out}"

summarize() { # summarize DIR COMMIT N: the tables from DIR/ddp.jsonl, printed and written beside it
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys, datetime, os
out, commit, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [json.loads(l) for l in open(f"{out}/ddp.jsonl") if l.strip()]
ok = [r for r in rows if not r.get("failed") and not r.get("skipped")]
ref = next((r for r in ok if r["impl"] == "ddp"), {})
def planned(r, impl, size, tokens, world):
    return r["impl"] == impl and r["plan_size"] == size and r["plan_tokens"] == tokens and r["plan_world"] == world
def pick(impl, size, tokens, world):
    return next((r for r in ok if planned(r, impl, size, tokens, world)), None)
def state(impl, size, tokens, world):  # why a side has no result: "failed", "skipped" or "-" (not planned)
    raw = next((r for r in rows if planned(r, impl, size, tokens, world)), None)
    return "-" if raw is None else "skipped" if raw.get("skipped") else "failed"
def workload(r):  # what a side reports it ran
    return (r["size"], r["world"], r["substeps"] * 2 * r["seglen"], r["substeps"], r["seglen"], r["kappa"])
keys = []
for r in rows:
    k = (r["plan_size"], r["plan_tokens"])
    if k not in keys: keys.append(k)
worlds = sorted({r["plan_world"] for r in rows})
head = (f"AutoCompressor data-parallel training, {n} x {ref.get('gpu', '?')}, torch {ref.get('torch', '?')}, NCCL {ref.get('nccl', '?')}, "
        f"NCCL_NVLS_ENABLE={os.environ.get('NCCL_NVLS_ENABLE', '0')}, commit {commit}, {datetime.date.today().isoformat()}")
lines = [head, "", "| OPT | document | world | ours tokens/s | DDP tokens/s | ours / DDP | ours peak GiB (per rank) | DDP peak GiB (rank 0) | ours exposed all-reduce | same workload |",
         "|---|---|---|---|---|---|---|---|---|---|"]
summary = {"commit": commit, "gpus": n, "device": ref.get("gpu"), "torch": ref.get("torch"), "nccl": ref.get("nccl"), "rows": [], "scaling": [],
           "failed": [r["tag"] + " " + r["impl"] for r in rows if r.get("failed")], "skipped": [r["tag"] + " " + r["impl"] for r in rows if r.get("skipped")]}
for size, tokens in keys:
    for w in worlds:
        o, d = pick("ours", size, tokens, w), pick("ddp", size, tokens, w)
        if not any(planned(x, i, size, tokens, w) for x in rows for i in ("ours", "ddp")): continue
        ratio = o["tokens_per_s"] / d["tokens_per_s"] if o and d else None
        # Both sides must report the planned model, world and document, cut alike.
        same = "-" if not (o and d) else "yes" if workload(o) == workload(d) and workload(o)[:3] == (size, w, tokens) else \
            f"MISMATCH: ours {workload(o)}, DDP {workload(d)}"
        summary["rows"].append({"size": size, "doc_tokens": tokens, "world": w, "ours": o and o["tokens_per_s"], "ddp": d and d["tokens_per_s"],
                                "ratio": ratio, "ours_peak_gib_per_rank": o and o.get("peak_gib_per_rank"), "ddp_peak_gib": d and d.get("peak_gib"),
                                "ours_allreduce_share": o and o.get("allreduce_share"), "same_workload": same})
        cells = [size, f"{tokens:,} ({tokens // 3072} x 2 x 1536)", str(w),
                 f"{o['tokens_per_s']:,.0f}" if o else state("ours", size, tokens, w), f"{d['tokens_per_s']:,.0f}" if d else state("ddp", size, tokens, w),
                 f"**{ratio:.2f}**" if ratio else "-", "/".join(str(x) for x in o.get("peak_gib_per_rank") or []) if o else "-",
                 str(d["peak_gib"]) if d else "-", f"{100 * o['allreduce_share']:.1f}%" if o else "-", same]
        lines.append("| " + " | ".join(cells) + " |")
if len(worlds) > 1:
    lo, his = worlds[0], worlds[1:]
    lines += ["", f"Scaling efficiency from {lo} GPU(s): tokens/s at W / (W/{lo} x tokens/s at {lo}); goal >= 97% at 2, >= 95% at 8", "",
              "| OPT | document | " + " | ".join(f"ours {lo} -> {hi} | DDP {lo} -> {hi}" for hi in his) + " |",
              "|---|---|" + "---|---|" * len(his)]
    fmt = lambda s: f"{100 * s:.1f}%" if s else "-"
    for size, tokens in keys:
        cells = [size, f"{tokens:,}"]
        for hi in his:
            def scaling(impl):
                a, b = pick(impl, size, tokens, lo), pick(impl, size, tokens, hi)
                return b["tokens_per_s"] / (hi / lo * a["tokens_per_s"]) if a and b else None
            s_o, s_d = scaling("ours"), scaling("ddp")
            summary["scaling"].append({"size": size, "doc_tokens": tokens, "from": lo, "to": hi, "ours": s_o, "ddp": s_d})
            cells += [fmt(s_o), fmt(s_d)]
        lines.append("| " + " | ".join(cells) + " |")
if summary["failed"]: lines += ["", "Failed: " + ", ".join(summary["failed"]) + " (see their logs)"]
if summary["skipped"]: lines += ["", "Skipped (time budget): " + ", ".join(summary["skipped"])]
json.dump(summary, open(f"{out}/ddp-summary.json", "w"), indent=1)
open(f"{out}/ddp-summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
}

if [ "${1:-}" = --summarize ]; then
  dir="${2:?usage: bash infra/gpu/autocompressor-ddp.sh --summarize DIR (a folder with ddp.jsonl)}"
  [ -f "$dir/ddp.jsonl" ] || { echo "autocompressor-ddp: no ddp.jsonl in $dir"; exit 1; }
  gpus="$(python3 -c 'import json,sys; print(max(json.loads(l)["world"] for l in open(sys.argv[1]) if l.strip()))' "$dir/ddp.jsonl")"
  summarize "$dir" "${DST_COMMIT:-unknown}" "$gpus"
  exit $?
fi

n="${1:-}"
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bash infra/gpu/autocompressor-ddp.sh N [--dry-run]   (N: the number of GPUs to use, at least 1)"; exit 2; }
dry_run=0
case "${2:-}" in
  "") ;;
  --dry-run) dry_run=1 ;;
  *) echo "autocompressor-ddp: unknown argument '$2' (expected --dry-run)"; exit 2 ;;
esac
sizes="${SIZES:-1.3b 2.7b}" lengths="${LENGTHS:-6144 30720}"
steps_short="${STEPS_SHORT:-5}" steps_long="${STEPS_LONG:-3}" budget="${BUDGET_S:-450}" run_timeout="${RUN_TIMEOUT_S:-150}" hard="${HARD_S:-530}"
for s in $sizes; do
  case "$s" in 125m|350m|1.3b|2.7b|6.7b) ;; *) echo "autocompressor-ddp: SIZES has '$s': the reference knows 125m, 350m, 1.3b, 2.7b, 6.7b"; exit 2 ;; esac
done
for l in $lengths; do
  [[ "$l" =~ ^[1-9][0-9]*$ ]] && [ $((l % 3072)) -eq 0 ] ||
    { echo "autocompressor-ddp: LENGTHS has '$l': a document is whole substeps of 2 segments x 1,536 tokens, a multiple of 3,072"; exit 2; }
done
for v in steps_short steps_long budget run_timeout hard; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "autocompressor-ddp: ${v^^} '${!v}' must be a positive whole number"; exit 2; }
done
worlds="${WORLDS:-1 $n}"; [ "$n" -eq 1 ] && worlds="${WORLDS:-1}"
for w in $worlds; do
  [[ "$w" =~ ^[1-9][0-9]*$ ]] && [ "$w" -le "$n" ] || { echo "autocompressor-ddp: WORLDS has '$w': expected world sizes from 1 to N=$n"; exit 2; }
done

# The reference: the bundle's copy (bundle.sh copies ../shared/bench), else ../shared or shared/ beside the checkout.
ref=""
for c in "$root/.bundle/ref_autocompressor_ddp.py" "$root/../shared/bench/ref_autocompressor_ddp.py" "$root/shared/bench/ref_autocompressor_ddp.py"; do
  [ -f "$c" ] && { ref="$c"; break; }
done
[ -n "$ref" ] || { echo "autocompressor-ddp: ref_autocompressor_ddp.py not found in .bundle/, ../shared/bench/ or shared/bench/: run infra/gpu/bundle.sh from a checkout beside ../shared"; exit 1; }
app="${DST_WORK:-/tmp/dst}/app/autocompressor-bench"

# The plan: (size, tokens, world) in priority order (the issue's OPT-1.3B first), the two sides alternating which goes first.
plan=()
i=0
for size in $sizes; do
  for tokens in $lengths; do
    for world in $worlds; do
      if [ $((i % 2)) -eq 0 ]; then plan+=("ours $size $tokens $world" "ddp $size $tokens $world"); else plan+=("ddp $size $tokens $world" "ours $size $tokens $world"); fi
      i=$((i + 1))
    done
  done
done
args_for() { # args_for SIZE TOKENS: the reference's flags for this workload
  local steps=$steps_long
  [ "$2" -le 6144 ] && steps=$steps_short
  echo "--size $1 --substeps $(($2 / 3072)) --segs-per-substep 2 --seglen 1536 --kappa 50 --steps $steps"
}
command_for() { # command_for IMPL SIZE TOKENS WORLD [PORT]: the command line (ours: rank 0's; rank r adds --rank r --local-rank r)
  if [ "$1" = ours ]; then echo "$app --world $4 --rank 0 --local-rank 0 --port ${5:-PORT} --timeout-s 120 $(args_for "$2" "$3")"
  else echo "python3 -m torch.distributed.run --standalone --nproc_per_node=$4 $ref $(args_for "$2" "$3")"; fi
}

mkdir -p "$out"
{
  echo "autocompressor-ddp: N=$n worlds ($worlds) sizes ($sizes) lengths ($lengths); steps $steps_short (<= 6,144 tokens) / $steps_long, 2 warm-up each side;"
  echo "budget: no run starts after ${budget} s; each run at most ${run_timeout} s and none past ${hard} s. NCCL_NVLS_ENABLE=0. Runs in order:"
  for p in "${plan[@]}"; do
    set -- $p
    echo "  $1 $2-$3-w$4: $(command_for "$1" "$2" "$3" "$4")"
  done
} | tee "$out/ddp-plan.txt"
[ "$dry_run" -eq 1 ] && exit 0

export NCCL_NVLS_ENABLE="${NCCL_NVLS_ENABLE:-0}" PYTHONUNBUFFERED=1
# Our ranks write their synthetic documents' shard to this cache (atomically; the same file for every rank).
export DISTRIBUTED_SHARD_CACHE="${DISTRIBUTED_SHARD_CACHE:-${DST_WORK:-/tmp/dst}/shards}"
start=$(date +%s)
: > "$out/ddp-times.txt"
took() { echo "$1: $2 s" | tee -a "$out/ddp-times.txt"; }

t0=$(date +%s)
bash "$root/infra/gpu/run.sh" true 2>&1 | tee "$out/ddp-build.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "autocompressor-ddp: the shim build or the bundle failed (ddp-build.log)"; exit 1; }
grep -E "^(NCCL|GLOO)_INCLUDE_DIR" "${DST_WORK:-/tmp/dst}/native/CMakeCache.txt" | tee -a "$out/ddp-build.log"
export DST_NATIVE_LIB="${DST_WORK:-/tmp/dst}/native/libdst_native.so"
took "build (shim + unpack)" $(($(date +%s) - t0))
gpus="$(python3 -c 'import torch; print(torch.cuda.device_count())')"
[ "$gpus" -ge "$n" ] || { echo "autocompressor-ddp: asked for $n GPUs, this host has $gpus"; exit 1; }
[ -x "$app" ] || { echo "autocompressor-ddp: $app is not in the bundle: run infra/gpu/bundle.sh bench/AutoCompressorBench here first"; exit 1; }

record() { # record IMPL SIZE TOKENS WORLD WALL LINE|"" : one line of ddp.jsonl
  python3 - "$@" >> "$out/ddp.jsonl" <<'PY'
import json, sys
impl, size, tokens, world, wall, line = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
d = json.loads(line) if line else {"failed": True}
# What the plan asked for (the summary groups by it); the side's own fields (size, world, substeps, ...) stay as it reported them.
d.update(impl=impl, plan_size=size, plan_tokens=tokens, plan_world=world, tag=f"{size}-{tokens}-w{world}", wall_s=None if wall == "skipped" else int(wall))
if wall == "skipped": d.update(skipped=True, failed=False)
print(json.dumps(d))
PY
}

rm -f "$out/ddp.jsonl"
status=0
port=29700
for p in "${plan[@]}"; do
  set -- $p
  impl=$1 size=$2 tokens=$3 world=$4 tag="$2-$3-w$4"
  t0=$(date +%s)
  limit=$((hard - (t0 - start)))
  [ "$limit" -gt "$run_timeout" ] && limit=$run_timeout
  if [ $((t0 - start)) -ge "$budget" ] || [ "$limit" -lt 30 ]; then
    echo "autocompressor-ddp: $impl $tag skipped: the time budget (BUDGET_S ${budget} s, HARD_S ${hard} s) is spent"
    record "$impl" "$size" "$tokens" "$world" skipped ""
    continue
  fi
  line=""
  if [ "$impl" = ours ]; then
    port=$((port + 1))
    pids=()
    for r in $(seq 0 $((world - 1))); do
      # shellcheck disable=SC2046
      timeout "$limit" "$app" --world "$world" --rank "$r" --local-rank "$r" --port "$port" --timeout-s 120 $(args_for "$size" "$tokens") \
        > "$out/ours-$tag-rank$r.log" 2>&1 &
      pids+=($!)
    done
    rc=0
    for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
    [ "$rc" -eq 0 ] && line="$(grep '^{' "$out/ours-$tag-rank0.log" | tail -1)"
    grep -m1 "ours: " "$out/ours-$tag-rank0.log" | sed "s/^/  $tag /"
  else
    # shellcheck disable=SC2046
    timeout "$limit" python3 -m torch.distributed.run --standalone --nproc_per_node="$world" "$ref" $(args_for "$size" "$tokens") > "$out/ddp-$tag.log" 2>&1 &&
      line="$(grep -oE '\{".*\}$' "$out/ddp-$tag.log" | tail -1)" # rank 0's JSON line, whatever prefix torchrun puts before it
  fi
  wall=$(($(date +%s) - t0))
  if [ -z "$line" ]; then
    status=1
    echo "autocompressor-ddp: $impl $tag failed after ${wall} s; the end of its log:"
    if [ "$impl" = ours ]; then tail -n 15 "$out/ours-$tag"-rank*.log; else tail -n 15 "$out/ddp-$tag.log"; fi
  else
    echo "  $impl $tag: $line"
  fi
  record "$impl" "$size" "$tokens" "$world" "$wall" "$line"
  took "$impl $tag" "$wall"
done
took "all runs" $(($(date +%s) - start))

commit="${DST_COMMIT:-$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)}"
summarize "$out" "$commit" "$n" || status=1
took "total" $(($(date +%s) - start))
exit $status
