#!/usr/bin/env bash
# Builds the native shim (src/Trainer/Native) into artifacts/native; incremental, so quick when built.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
root="$(repo_root)"
build="$root/artifacts/native/build"
cmake -S "$root/src/Trainer/Native" -B "$build" -DCMAKE_BUILD_TYPE=Release ${TORCH_DIR:+-DTORCH_DIR="$TORCH_DIR"} >/dev/null
cmake --build "$build" -j "$(nproc)"
