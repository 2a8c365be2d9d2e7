#!/usr/bin/env bash
# On a GPU host with N GPUs, after `infra/gpu/bundle.sh bench/AllReduceBench` here: all-reduce bus bandwidth of
# our c10d path (the C# ProcessGroup over the shim: ProcessGroupNCCL) against torch.distributed on the same bf16
# buffers (16 MiB, 64 MiB, 256 MiB, 1 GiB), one process per GPU, the two alternated twice in one run.
# Bus bandwidth = 2(n-1)/n x bytes / time, time the median of synchronized timed iterations after warm-up.
# Results under $OUT (or /tmp/out): allreduce.jsonl (every iteration), allreduce.json and allreduce.md (table).
# Usage: bash infra/gpu/allreduce-bench.sh N
set -uo pipefail
n="${1:?usage: bash infra/gpu/allreduce-bench.sh N (the number of GPUs, at least 2)}"
[ "$n" -ge 2 ] || { echo "allreduce-bench: N must be at least 2 (an all-reduce of one rank moves nothing)"; exit 1; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-/tmp/out}"
mkdir -p "$out"
# NVLink multicast (NVLS) stays off as the host sets it; both implementations run under the same setting.
export NCCL_NVLS_ENABLE="${NCCL_NVLS_ENABLE:-0}" PYTHONUNBUFFERED=1
bash "$root/infra/gpu/run.sh" true 2>&1 | tee "$out/allreduce-build.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
export DST_NATIVE_LIB=/tmp/dst/native/libdst_native.so
# Which collectives the shim was built with (NCCL needs nccl.h from the pip nvidia-nccl wheel).
grep -E "^(NCCL|GLOO)_INCLUDE_DIR" /tmp/dst/native/CMakeCache.txt | tee -a "$out/allreduce-build.log"
gpus="$(python3 -c 'import torch; print(torch.cuda.device_count())')"
[ "$gpus" -ge "$n" ] || { echo "allreduce-bench: asked for $n GPUs, this host has $gpus"; exit 1; }
rm -f "$out/allreduce.jsonl"

# run_world IMPL PORT: one process per GPU; rank 0's JSON lines join allreduce.jsonl, every rank's log is kept.
run_world() {
  local impl="$1" port="$2" pids=() rc=0
  for r in $(seq 0 $((n - 1))); do
    if [ "$impl" = csharp ]; then
      cmd=(/tmp/dst/app/allreduce-bench)
    else
      cmd=(python3 "$root/bench/AllReduceBench/torch_allreduce.py")
    fi
    timeout 240 "${cmd[@]}" --rank "$r" --world "$n" --port "$port" > "$out/allreduce-$impl-$port-rank$r.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  grep '^{' "$out/allreduce-$impl-$port-rank0.log" | sed "s/^{/{\"round_port\": $port, /" >> "$out/allreduce.jsonl"
  [ "$rc" -eq 0 ] || { echo "allreduce-bench: the $impl world on port $port failed:"; tail -n 20 "$out"/allreduce-"$impl"-"$port"-rank*.log; }
  return "$rc"
}

status=0
run_world csharp 29611 || status=1
run_world torch 29612 || status=1
run_world csharp 29613 || status=1
run_world torch 29614 || status=1

commit="${DST_COMMIT:-$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)}"
python3 - "$out" "$n" "$commit" <<'PY'
import json, statistics, sys, datetime
import torch
out, n, commit = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [json.loads(l) for l in open(f"{out}/allreduce.jsonl")]
times = {}
for r in rows:
    times.setdefault((r["impl"], r["bytes"]), []).extend(r["times_ms"])
def busbw(nbytes, ms):
    return 2 * (n - 1) / n * nbytes / (ms / 1e3) / 1e9
summary = {
    "date": datetime.date.today().isoformat(), "commit": commit, "world": n,
    "device": torch.cuda.get_device_name(0), "torch": torch.__version__,
    "nccl": ".".join(map(str, torch.cuda.nccl.version())), "NCCL_NVLS_ENABLE": __import__("os").environ.get("NCCL_NVLS_ENABLE"),
    "sizes": [],
}
lines = [f"All-reduce, bf16, {n} x {summary['device']}, torch {summary['torch']}, NCCL {summary['nccl']}, "
         f"NCCL_NVLS_ENABLE={summary['NCCL_NVLS_ENABLE']}, commit {commit}",
         "", "| buffer | ours (C# c10d) | torch.distributed | ratio |", "|---|---|---|---|"]
for nbytes in sorted({b for _, b in times}):
    ours, ref = times.get(("csharp-c10d", nbytes)), times.get(("torch.distributed", nbytes))
    if not ours or not ref:
        continue
    o, t = statistics.median(ours), statistics.median(ref)
    entry = {"bytes": nbytes, "ours_median_ms": o, "torch_median_ms": t, "ours_busbw_gbs": busbw(nbytes, o),
             "torch_busbw_gbs": busbw(nbytes, t), "ratio": busbw(nbytes, o) / busbw(nbytes, t),
             "iterations": [len(ours), len(ref)]}
    summary["sizes"].append(entry)
    size = f"{nbytes >> 20} MiB" if nbytes < 1 << 30 else f"{nbytes >> 30} GiB"
    lines.append(f"| {size} | {entry['ours_busbw_gbs']:.1f} GB/s | {entry['torch_busbw_gbs']:.1f} GB/s | {entry['ratio']:.2f} |")
json.dump(summary, open(f"{out}/allreduce.json", "w"), indent=1)
open(f"{out}/allreduce.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
exit $status
