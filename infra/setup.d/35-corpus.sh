#!/usr/bin/env bash
# Real English text for the main job and the data-pipeline tests: Debian's "fortunes" (~2.7 MB of prose under
# /usr/share/games/fortunes), read by Distributed.Trainer.Data.RealTextCorpus.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
ensure_apt fortunes
