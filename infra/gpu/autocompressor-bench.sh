#!/usr/bin/env bash
# On the GPU host (after infra/gpu/bundle.sh bench/AutoCompressorBench bench/GpuCheck here): the reference
# AutoCompressor step and ours, side by side in one run, on the issue's two workloads, then the real-width
# Hugging Face parity checks. Results under $OUT (or /tmp/out).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${OUT:-/tmp/out}"
export PYTHONUNBUFFERED=1
bash "$root/infra/gpu/run.sh" true || exit 1
export DST_NATIVE_LIB=/tmp/dst/native/libdst_native.so
for sub in 10 2; do
  args="--size 2.7b --substeps $sub --seglen 1536 --kappa 50 --steps 5"
  python3 "$root/.bundle/ref_autocompressor_step.py" $args 2>&1 | grep -v Warning | tail -1 | tee -a "$out/autocompressor.jsonl"
  /tmp/dst/app/autocompressor-bench $args 2>>"$out/autocompressor.err" | tee -a "$out/autocompressor.jsonl"
done
python3 "$root/tests/golden/make_golden.py" /tmp/golden --real --bf16-yardstick 2>&1 | grep -E "loss|bf16" | tee "$out/parity.log"
/tmp/dst/app/gpu-check parity /tmp/golden/* 2>&1 | tee -a "$out/parity.log"
