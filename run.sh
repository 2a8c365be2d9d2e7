#!/usr/bin/env bash
# Runs the main job: setup, then the embedded cluster (silo + client + dashboard in this process) with 2 CPU workers
# (Gloo all-reduce) training a small AutoCompressor on the packaged English corpus; ends with the per-segment
# held-out loss with and without summaries. Extra arguments go to `distributed job submit`.
set -euo pipefail
cd "$(dirname "$0")"
infra/setup.sh
dotnet run --project src/Silo -c Release -- job submit jobs/cluster-autocompressor.json --workers 2 "$@"
