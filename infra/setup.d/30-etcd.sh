#!/usr/bin/env bash
# etcd (Raft key-value store) for the actor runtime's membership, directory and leases; the tests start their own.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
ensure_apt etcd-server
