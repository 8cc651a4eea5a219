#!/bin/bash
# run.sh: the study of bench/results/sweep-hidden/README.md. Which hidden sizes learn 8-bit
# addition, how often and how fast: H 1..16, B 1, 16, 256 at the bench's rate rule, 100 seeds
# each, up to 10,000 steps, until 100% exact match on all 16,384 pairs. Records the machine, the
# commit, the wall and CPU time beside the sweep's own output (run.log) and the 1-minute load
# average every 10 s (load.log): the machine is shared with other people's builds.
#   bash bench/results/sweep-hidden/run.sh [BUILD_DIR]    (from the repository root)
set -euo pipefail
build=${1:-build}
out=bench/results/sweep-hidden
log=$out/run.log
{
  echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src include || echo -dirty)"
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$log"
( while true; do echo "$(date +%T) $(cut -d' ' -f1 /proc/loadavg)"; sleep 10; done ) > "$out/load.log" &
sampler=$!
trap 'kill $sampler 2>/dev/null' EXIT
/usr/bin/time -f "wall %e s, CPU %U s user + %S s system, %P of one core" \
  "$build/carry" sweep --hidden 1,2,3,4,5,6,8,12,16 --batch 1,16,256 --lr auto --seeds 0..99 \
  --steps 10000 --check-every 10 --backend cpu --out "$out" 2>&1 | tee -a "$log"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$log"
