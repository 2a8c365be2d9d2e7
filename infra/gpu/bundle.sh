#!/usr/bin/env bash
# Makes .bundle/app.tar.xz: a self-contained linux-x64 publish of one .NET program (default: the GPU
# checks), for a GPU host that has PyTorch but no .NET. The native shim travels as source (the working
# tree) and is built there against that host's torch by infra/gpu/run.sh.
# Usage: infra/gpu/bundle.sh [PROJECT_DIR...]   e.g. infra/gpu/bundle.sh bench/GpuCheck src/Silo
# Several programs share one folder: their runtime files are the same.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
projects=("$@")
[ ${#projects[@]} -eq 0 ] && projects=(bench/GpuCheck)
out="$root/.bundle"
rm -rf "$out/app" && mkdir -p "$out"
for project in "${projects[@]}"; do
  dotnet publish "$root/$project" -c Release -r linux-x64 --self-contained -o "$out/app" -nologo -clp:ErrorsOnly \
    -p:DebugType=none -p:GenerateDocumentationFile=false >/dev/null
done
# The reference scripts of ../shared/bench travel too (the device copies only the repository); DST_SHARED names
# another shared folder (a worktree that is not beside ../shared).
shared="${DST_SHARED:-$root/../shared}"
cp "$shared"/bench/*.py "$out/" 2>/dev/null || echo "bundle: no reference scripts in $shared/bench (set DST_SHARED): the GPU scripts that compare against them will stop"
# The packaged jobs' English corpus (the Debian package "fortunes", 2.8 MB): GPU hosts do not have it.
if [ -d /usr/share/games/fortunes ]; then
  rm -rf "$out/fortunes" && mkdir -p "$out/fortunes" && find /usr/share/games/fortunes -maxdepth 1 -type f -exec cp {} "$out/fortunes/" \;
fi
# Anything built against this machine's libtorch must not travel: the host builds its own shim.
rm -f "$out/app/libdst_native.so"
tar -C "$out" -cf - app | xz -T0 -6 > "$out/app.tar.xz"
rm -rf "$out/app"
echo "bundle: $out/app.tar.xz ($(du -h "$out/app.tar.xz" | cut -f1)); carry .bundle and run: bash infra/gpu/run.sh app/<program> ..."
