#!/usr/bin/env bash
# Installs what bench/run.py compares against: Debian's PyTorch and NumPy,
# and OpenBLAS, without which Debian's torch falls back to the reference
# BLAS (libblas3) and is several times slower — an unfair comparison.
set -euo pipefail
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
run apt-get update -q
run apt-get install -y -q --no-install-recommends python3-torch python3-numpy libopenblas0-pthread libopenblas-dev
