#!/usr/bin/env bash
# CPU libtorch from the distribution (Debian 12: 1.13), unless TORCH_DIR points at another libtorch.
set -euo pipefail
source "$(dirname "$0")/../lib/common.sh"
if [ -n "${TORCH_DIR:-}" ]; then exit 0; fi
# OpenBLAS: without it libtorch falls back to the reference BLAS, about 15x slower on CPU. Its OpenMP build
# (libopenblas0-openmp) is what the process loads (NativeLibraryResolver): its GEMMs then run on libtorch's own
# OpenMP threads instead of a second pool. Installing it leaves the system's libblas.so.3 alternative as it is
# (the pthreads build has the higher priority). libgloo-dev: the gloo headers that c10d's ProcessGroupGloo.hpp
# includes (the shim's CPU collectives).
ensure_apt libtorch-dev libgloo-dev libopenblas0-pthread libopenblas0-openmp cmake g++ make
