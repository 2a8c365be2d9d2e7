#!/usr/bin/env bash
# Runs the main job: setup, then the embedded cluster (silo + client + dashboard in this process) with 2 CPU workers
# (Gloo all-reduce) training a small AutoCompressor on the packaged English corpus; ends with the per-segment
# held-out loss with and without summaries. The dashboard's URL is printed at start ("dashboard http://..."); it stays
# up until the job ends, or with --keep until Ctrl+C after it. Other arguments go to `distributed job submit`.
set -euo pipefail
cd "$(dirname "$0")"
args=()
for a in "$@"; do
  if [ "$a" = "--keep" ]; then export DISTRIBUTED_Cluster__Dashboard__Keep=true; else args+=("$a"); fi
done
infra/setup.sh
dotnet run --project src/Silo -c Release -- job submit jobs/cluster-autocompressor.json --workers 2 ${args[@]+"${args[@]}"}
