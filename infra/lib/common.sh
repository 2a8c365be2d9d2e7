# Shared by the setup steps: sourced, never run.
# ensure_apt PKG...: installs the Debian packages that are missing; quick when all are there.
ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# repo_root: the repository's top folder.
repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }
