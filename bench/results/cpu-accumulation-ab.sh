#!/bin/bash
# A/B: stored-history tiled accumulation (built) vs per-step accumulation (experiment), alternating.
set -e
cd /work/main
cp src/cpu/vector_kernel.inc /tmp/vector_kernel.inc.orig
python3 - <<'PY'
p='/work/main/src/cpu/vector_kernel.inc'
s=open(p).read()
old='''      for (int j = 0; j < H; ++j) w1_update[j] += h[j] * e[t];
    }
    accumulate_stack_update(z, delta, stack_update, S, H, T);'''
new='''      for (int j = 0; j < H; ++j) w1_update[j] += h[j] * e[t];
      const Vec* zt = z + t * S;
      const Vec* dt = delta + t * H;
      for (int i = 0; i < S; ++i) {
        const Vec zi = zt[i];
        for (int j = 0; j < H; ++j) stack_update[i * H + j] += zi * dt[j];
      }
    }'''
assert old in s
open(p,'w').write(s.replace(old,new))
PY
cmake --build build --target carry >/dev/null
cp build/carry /tmp/carry_per_step
cp /tmp/vector_kernel.inc.orig src/cpu/vector_kernel.inc
cmake --build build --target carry >/dev/null
cp build/carry /tmp/carry_tiled
for round in 1 2; do
  for v in tiled per_step; do
    echo "== $v (round $round)"
    /tmp/carry_$v bench --backend cpu --batch 4096,16384,65536 --threads 2 --repeats 5 --no-time-to-accuracy | grep -E "^cpu|peak"
  done
done
git status --short
