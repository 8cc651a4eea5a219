#!/usr/bin/env bash
# layout-checkpoints.sh: trains a fixed set of 22 runs (reference and cpu backends; batch 1, 3,
# 32, 1000; hidden 1, 7, 16, 33; bits 2, 8, 13; several seeds; 1 and 2 threads; a --seed-compat
# run and a --resume continuation), saves each checkpoint and prints their sha256 sums, so two
# builds can be compared: the same sums mean byte-identical checkpoints.
#
#   bash bench/results/layout-checkpoints.sh CARRY_BINARY OUTDIR > sums.txt
#
# Every run has a fixed length (--until-accuracy 0), so nothing depends on timing. The cpu runs
# need a processor with AVX2 and FMA.
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 CARRY_BINARY OUTDIR" >&2
  exit 2
fi
carry=$1
out=$2
mkdir -p "$out"

# name backend batch hidden bits seed threads lr steps
runs=(
  "ref-b1-h1-t2      reference    1  1  2  0 1 1   300"
  "ref-b3-h7-t8      reference    3  7  8  1 1 2   200"
  "ref-b32-h16-t8    reference   32 16  8  0 1 4   300"
  "ref-b1000-h33-t13 reference 1000 33 13  5 1 4    20"
  "ref-b32-h7-t13    reference   32  7 13  9 1 4   100"
  "ref-b1000-h16-t2  reference 1000 16  2  3 1 4    50"
  "cpu-b1-h1-t2      cpu          1  1  2  0 1 1   300"
  "cpu-b1-h16-t8     cpu          1 16  8  2 1 1   300"
  "cpu-b3-h7-t8      cpu          3  7  8  1 1 2   200"
  "cpu-b3-h33-t13    cpu          3 33 13  4 2 2   100"
  "cpu-b32-h16-t8    cpu         32 16  8  0 1 4   300"
  "cpu-b32-h16-t8-2  cpu         32 16  8  0 2 4   300"
  "cpu-b32-h1-t13    cpu         32  1 13  6 2 4   200"
  "cpu-b1000-h16-t8  cpu       1000 16  8  7 1 4   100"
  "cpu-b1000-h16-t8t cpu       1000 16  8  7 2 4   100"
  "cpu-b1000-h33-t13 cpu       1000 33 13  8 2 4    30"
  "cpu-b1000-h7-t2   cpu       1000  7  2 11 2 4    60"
  "cpu-b3-h16-t2     cpu          3 16  2 12 1 4   150"
  "cpu-b32-h33-t8    cpu         32 33  8 13 2 4   150"
)
for run in "${runs[@]}"; do
  read -r name backend batch hidden bits seed threads lr steps <<<"$run"
  "$carry" train --backend "$backend" --batch "$batch" --hidden "$hidden" --bits "$bits" \
    --seed "$seed" --threads "$threads" --lr "$lr" --steps "$steps" --until-accuracy 0 \
    --quiet --save "$out/$name.json" >/dev/null
done

# The seed program's own run, and a run saved halfway then resumed.
"$carry" train --seed-compat --steps 2000 --seed 3 --save "$out/seed-compat.json" >/dev/null 2>&1
"$carry" train --backend cpu --batch 32 --seed 21 --steps 100 --until-accuracy 0 --quiet \
  --save "$out/resume-first.json" >/dev/null
"$carry" train --resume "$out/resume-first.json" --steps 100 --until-accuracy 0 --quiet \
  --save "$out/resume-second.json" >/dev/null

cd "$out"
sha256sum -- *.json
