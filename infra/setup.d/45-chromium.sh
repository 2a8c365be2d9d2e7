#!/usr/bin/env bash
# Debian's chromium, which the dashboard's Playwright tests drive (tests/Dashboard.Tests; Microsoft.Playwright's own
# browser download is not used: it cannot be fetched here, and the Debian build works with its executable-path option).
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
ensure_apt chromium fonts-dejavu-core
