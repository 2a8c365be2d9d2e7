#!/usr/bin/env bash
# On a GPU host, after `infra/gpu/bundle.sh bench/CheckpointBench` here: the cost of checkpoints to training for
# OPT-2.7B shapes (issue 10: "training stalls <= 2 s, and step time with a checkpoint every 50 steps is within 1% of
# step time without"). One process, one GPU: the worker's training step (TrainingSession, LM objective, bf16, random
# tokens) in alternated blocks without checkpoints and with a snapshot to host memory + a background write to local
# disk every EVERY steps (see bench/CheckpointBench/Program.cs). The disk's write speed is measured too (dd), since
# the background write competes with nothing else but it.
# Results under $OUT (or /tmp/out): checkpoint.json (the bench's line plus host facts), checkpoint.md, checkpoint.log.
# Usage: bash infra/gpu/checkpoint-bench.sh [SIZE]     (SIZE: 2.7b default; 1.3b, 125m; env BATCH, SEQ_LEN, STEPS, EVERY, ROUNDS, CKPT_DIR)
set -uo pipefail
size="${1:-2.7b}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-/tmp/out}"
ckpt_dir="${CKPT_DIR:-/tmp/checkpoint-bench}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1
[ -f "$root/.bundle/app.tar.xz" ] || { echo "checkpoint-bench: no .bundle/app.tar.xz: run infra/gpu/bundle.sh bench/CheckpointBench first"; exit 1; }
bash "$root/infra/gpu/run.sh" true 2>&1 | tee "$out/checkpoint-build.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
export DST_NATIVE_LIB=/tmp/dst/native/libdst_native.so
[ -x /tmp/dst/app/checkpoint-bench ] || { echo "checkpoint-bench: the bundle has no checkpoint-bench: run infra/gpu/bundle.sh bench/CheckpointBench"; exit 1; }
mkdir -p "$ckpt_dir"
# The disk the checkpoints go to: free space and sequential write speed (4 GiB, flushed).
df -h "$ckpt_dir" | tee "$out/checkpoint-disk.log"
dd if=/dev/zero of="$ckpt_dir/dd.bin" bs=16M count=256 oflag=direct conv=fsync 2>&1 | tail -n 1 | tee -a "$out/checkpoint-disk.log"
rm -f "$ckpt_dir/dd.bin"

timeout 570 /tmp/dst/app/checkpoint-bench --size "$size" --device cuda:0 --dtype bf16 --batch "${BATCH:-8}" --seq-len "${SEQ_LEN:-2048}" \
  --steps "${STEPS:-100}" --every "${EVERY:-50}" --rounds "${ROUNDS:-2}" --warmup 5 --output "$ckpt_dir" > "$out/checkpoint.log" 2>&1
status=$?
cat "$out/checkpoint.log"
# Exit 1 with a result line: the boundary check failed; the measurement is still reported.
[ "$status" -eq 0 ] || grep -q '^{' "$out/checkpoint.log" || { echo "checkpoint-bench: the bench failed (exit $status)"; rm -rf "$ckpt_dir"; exit 1; }
rm -rf "$ckpt_dir"

commit="${DST_COMMIT:-$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)}"
python3 - "$out" "$commit" <<'PY'
import json, sys, datetime, os
import torch
out, commit = sys.argv[1], sys.argv[2]
line = [l for l in open(f"{out}/checkpoint.log") if l.startswith("{")][-1]
r = json.loads(line)
r.update({"date": datetime.date.today().isoformat(), "commit": commit, "gpu": torch.cuda.get_device_name(0),
          "host_cpus": os.cpu_count(), "disk": open(f"{out}/checkpoint-disk.log").read().strip().splitlines()[-1]})
json.dump(r, open(f"{out}/checkpoint.json", "w"), indent=1)
gb = r["checkpoint_bytes"] / 1e9
lines = [f"Checkpoint cost, OPT-{r['size']} shapes ({r['params']:,} parameters), {r['dtype']}, batch {r['batch']} x {r['seq_len']} tokens, "
         f"{r['gpu']}, commit {commit}, {r['date']}",
         "", "| measure | value | goal |", "|---|---|---|",
         f"| step time without checkpoints | {r['step_s_without']:.4f} s | |",
         f"| step time with a checkpoint every {r['every']} steps | {r['step_s_with']:.4f} s ({r['overhead_pct']:+.2f}%) | within 1%: {'met' if r['goal_overhead_le_1pct'] else 'NOT met'} |",
         f"| training stall per checkpoint (snapshot: copies queued to pinned host buffers) | max {r['stall_max_s']:.3f} s, all {r['stall_s']} | <= 2 s: {'met' if r['goal_stall_le_2s'] else 'NOT met'} |",
         f"| device-to-host copies done after the snapshot returned (training going on) | {r.get('copy_s')} s | |",
         f"| snapshot = state at its step boundary (2 steps run during its copies) | {r.get('boundary_check')} | {'ok' if r.get('boundary_check_ok') else 'FAILED'} |",
         f"| background write ({gb:.1f} GB to local disk) | {r['write_s']} s, {r['write_gb_per_s']} GB/s | |",
         f"| write still running at block end | {r['write_overrun_s']} s | |",
         f"| disk (dd, direct) | {r['disk']} | |"]
open(f"{out}/checkpoint.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
