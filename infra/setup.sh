#!/usr/bin/env bash
# Runs every setup step under infra/setup.d in order. Each step is idempotent and quick when done.
# Usage: infra/setup.sh            (everything the tests need)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for step in "$here"/setup.d/*.sh; do
  bash "$step"
done
