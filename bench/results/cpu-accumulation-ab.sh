#!/bin/bash
# A/B: stored-history tiled accumulation (built) vs per-step accumulation (experiment), alternating.
# The patch is written against the kernel of commit bbfa08d, the commit measured (then at
# src/cpu/vector_kernel.inc; in later trees the kernel has moved and changed, and the patch stops
# at its assert). Run it from the root of a checkout of that commit with a configured build/:
#   bash path/to/cpu-accumulation-ab.sh
# It builds build/carry twice (the kernel patched, then restored), keeps both binaries in a
# temporary folder and runs them in turn.
set -euo pipefail
kernel=src/cpu/vector_kernel.inc
scratch=$(mktemp -d)
cp "$kernel" "$scratch/vector_kernel.inc.orig"
trap 'cp "$scratch/vector_kernel.inc.orig" "$kernel"; rm -rf "$scratch"' EXIT
python3 - "$kernel" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
old = '''      for (int j = 0; j < H; ++j) w1_update[j] += h[j] * e[t];
    }
    accumulate_stack_update(z, delta, stack_update, S, H, T);'''
new = '''      for (int j = 0; j < H; ++j) w1_update[j] += h[j] * e[t];
      const Vec* zt = z + t * S;
      const Vec* dt = delta + t * H;
      for (int i = 0; i < S; ++i) {
        const Vec zi = zt[i];
        for (int j = 0; j < H; ++j) stack_update[i * H + j] += zi * dt[j];
      }
    }'''
assert old in s
open(p, 'w').write(s.replace(old, new))
PY
cmake --build build --target carry >/dev/null
cp build/carry "$scratch/carry_per_step"
cp "$scratch/vector_kernel.inc.orig" "$kernel"
cmake --build build --target carry >/dev/null
cp build/carry "$scratch/carry_tiled"
for round in 1 2; do
  for v in tiled per_step; do
    echo "== $v (round $round)"
    "$scratch/carry_$v" bench --backend cpu --batch 4096,16384,65536 --threads 2 --repeats 5 \
      --no-time-to-accuracy | grep -E "^cpu|peak"
  done
done
git status --short
