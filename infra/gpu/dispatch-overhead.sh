#!/usr/bin/env bash
# On the GPU host, after infra/gpu/run.sh has built the shim: the per-call cost of a small CPU op through libtorch
# directly, through the shim's C ABI, through the C# binding (gpu-check) and through Python, in one run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
torch_dir="$(python3 -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
export DST_NATIVE_LIB="${DST_NATIVE_LIB:-/tmp/dst/native/libdst_native.so}"
g++ -O2 -std=c++17 -D_GLIBCXX_USE_CXX11_ABI=1 -I"$torch_dir/include" -I"$torch_dir/include/torch/csrc/api/include" \
  "$root/bench/GpuCheck/dispatch_overhead.cpp" -o /tmp/dispatch_overhead -L"$torch_dir/lib" -ltorch -ltorch_cpu -lc10 -ldl -Wl,-rpath,"$torch_dir/lib"
/tmp/dispatch_overhead "$DST_NATIVE_LIB"
# Alternate the C# binding and Python three times each: single runs swing by 2x with what ran before them.
for i in 1 2 3; do
  echo "csharp $(/tmp/dst/app/gpu-check overhead)"
  echo "python $(python3 "$root/bench/GpuCheck/torch_reference.py" - --overhead)"
done
