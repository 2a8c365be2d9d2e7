#!/usr/bin/env bash
# On the GPU host: builds the native shim against the torch that python3 finds (CUDA included), unpacks
# the bundle made by infra/gpu/bundle.sh, then runs the given command from the bundle's folder with
# DST_NATIVE_LIB pointing at the fresh shim. Usage: bash infra/gpu/run.sh app/gpu-check ARGS...
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${DST_WORK:-/tmp/dst}"
torch_dir="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
abi="$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')"
echo "run: torch $(python3 -c 'import torch; print(torch.__version__)') at $torch_dir (cxx11 abi $abi)"
cmake -S "$root/src/Trainer/Native" -B "$work/native" -DCMAKE_BUILD_TYPE=Release -DTORCH_DIR="$torch_dir" -DDST_CXX11_ABI="$abi" >/dev/null
cmake --build "$work/native" -j "$(nproc)" 2>&1 | grep -E "error|warning: unused|Built target" || true
test -f "$work/native/libdst_native.so" || { echo "run: the native build failed"; exit 1; }
rm -rf "$work/app" && tar -C "$work" -xJf "$root/.bundle/app.tar.xz"
export DST_NATIVE_LIB="$work/native/libdst_native.so" DOTNET_CLI_TELEMETRY_OPTOUT=1
cd "$work"
"$@"
