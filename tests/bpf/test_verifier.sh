#!/usr/bin/env bash
# Verifier headroom: each program's processed-instruction count <= 500,000.
set -eu
[ "$(id -u)" -eq 0 ] || { echo "needs root (BPF load)"; exit 77; }
"$1"/tests/verifier_stats
