#!/usr/bin/env bash
# Azurite, Microsoft's Azure Storage emulator (Blob + Table), for grain state, Orleans membership and blob shards; installed into artifacts/npm-azurite. Tests start their own.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
root="$(repo_root)"
version=3.37.0
dir="$root/artifacts/npm-azurite"
if [ -x "$dir/node_modules/.bin/azurite" ] && grep -q "\"version\": \"$version\"" "$dir/node_modules/azurite/package.json"; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || ensure_apt nodejs npm
mkdir -p "$dir"
echo "setup: installing npm azurite $version into $dir"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "azurite@$version" >/dev/null
