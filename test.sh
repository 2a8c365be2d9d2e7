#!/usr/bin/env bash
# Runs every test: setup (libtorch, native shim, test services), build, then all test projects.
# Ends with one summary line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"
infra/setup.sh || { echo "setup failed: see the messages above"; exit 1; }
dotnet build Distributed.sln -c Release -nologo -clp:ErrorsOnly || exit 1
log=$(mktemp)
dotnet test Distributed.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
awk '/^(Passed|Failed)! *-/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
       }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' FS='[ ,]+' "$log"
rm -f "$log"
exit $rc
