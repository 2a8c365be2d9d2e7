#!/usr/bin/env bash
# Runs the main job: setup, then a small decoder LM trained on real English text on CPU.
set -euo pipefail
cd "$(dirname "$0")"
infra/setup.sh
dotnet run --project src/Silo -c Release -- train --job jobs/main.json "$@"
