#!/bin/bash
# sweep-throughput.sh: carry sweep's training throughput beside the cpu backend's single run, at
# the same batch on the same threads, each round one `carry bench` run (which also measures the
# FMA peak on those threads). Runs alone ("sweep-") and, for batches up to 8, side by side in the
# kernel's lanes ("sweep-lanes-"). Rounds alternate 2 threads and 1, so that a busy spell of this
# shared machine shows as a spread rather than as a ratio.
#   bash bench/results/sweep-throughput.sh [BUILD_DIR] [ROUNDS]   (from the repository root)
set -euo pipefail
build=${1:-build}
rounds=${2:-3}
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src include || echo -dirty)"
for round in $(seq "$rounds"); do
  for threads in 2 1; do
    echo "== round $round, --threads $threads; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -f "(wall %e s, CPU %U s user + %S s system)" \
      "$build/carry" bench --backend cpu --batch 1,4,16,32,256 --threads "$threads" \
      --no-time-to-accuracy --sweep-throughput 2>&1
  done
done
