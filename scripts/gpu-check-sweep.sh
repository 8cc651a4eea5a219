#!/usr/bin/env bash
# gpu-check-sweep.sh BUILD_DIR OUTDIR: the multi-run cuda engine's part of the GPU check (about a
# minute on an H200; the caller builds BUILD_DIR first, with CUDA):
#   1. its GPU tests (ctest -R CudaMultiRun, CARRY_REQUIRE_GPU=1: a missing GPU fails),
#   2. the sweep of the target: 10,000 runs of H 16, B 32, T 8, lr 4 to 100% exact (checks every
#      10 steps, at most 5000 steps) with `carry time-sweep --backend cuda`,
#   3. an audit: 500 of those runs with the host confirming every check (disagreements must be 0),
#   4. the same setting on the cpu backend, each run alone through run_training on one core, for
#      200 runs: the figure the GPU's runs/s is held against in the same run,
# writing OUTDIR/sweep-tests.log, sweep-cuda.json, sweep-audit.json, sweep-cpu.json and
# OUTDIR/sweep-summary.txt (runs/s and samples/s of each, their ratio, the FMA peak is the
# caller's). Exit status 0 when every step passed, 1 otherwise.
# scripts/gpu-check.sh can run it as one check:
#   run_check sweep 150 "$logs/sweep.log" bash scripts/gpu-check-sweep.sh "$build" "$out/sweep"
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/gpu-check-sweep.sh BUILD_DIR OUTDIR}
out=${2:?usage: scripts/gpu-check-sweep.sh BUILD_DIR OUTDIR}
mkdir -p "$out"
carry="$build/carry"
failed=0
step() { echo "[gpu-check-sweep] $*"; }

step "GPU tests of the multi-run engine"
if ! CARRY_REQUIRE_GPU=1 timeout 150 ctest --test-dir "$build" -R CudaMultiRun --output-on-failure \
  >"$out/sweep-tests.log" 2>&1; then
  step "tests FAILED (see $out/sweep-tests.log)"
  failed=1
fi

setting=(--hidden 16 --batch 32 --bits 8 --lr 4 --check-every 10 --steps 5000)
step "10,000 runs on the GPU"
timeout 60 "$carry" time-sweep --backend cuda --runs 10000 "${setting[@]}" >"$out/sweep-cuda.json" \
  2>"$out/sweep-cuda.err" || { step "sweep FAILED: $(tail -1 "$out/sweep-cuda.err")"; failed=1; }
step "audit: 500 runs, every check confirmed by the host"
timeout 60 "$carry" time-sweep --backend cuda --runs 500 --confirm every-check "${setting[@]}" \
  >"$out/sweep-audit.json" 2>"$out/sweep-audit.err" ||
  { step "audit FAILED: $(tail -1 "$out/sweep-audit.err")"; failed=1; }
step "200 runs on the cpu backend, one per core"
timeout 60 "$carry" time-sweep --backend cpu --runs 200 "${setting[@]}" >"$out/sweep-cpu.json" \
  2>"$out/sweep-cpu.err" || { step "cpu sweep FAILED: $(tail -1 "$out/sweep-cpu.err")"; failed=1; }

python3 - "$out" <<'PY' || failed=1
import json, sys, os
out = sys.argv[1]
def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except Exception as error:
        return {"error": str(error)}
cuda, audit, cpu = load("sweep-cuda.json"), load("sweep-audit.json"), load("sweep-cpu.json")
lines, ok = [], True
for name, r in (("cuda", cuda), ("audit", audit), ("cpu", cpu)):
    if "error" in r:
        lines.append(f"{name}: no result ({r['error']})"); ok = False; continue
    lines.append(f"{name}: {r['runs']} runs in {r['seconds']:.3f} s: {r['runs_per_s']:.4g} runs/s, "
                 f"{r['samples_per_s']:.4g} samples/s; {r['reached']} reached, median "
                 f"{r['steps_to_target_median']} steps; {r['confirmations']} host confirmations, "
                 f"{r['disagreements']} disagreements")
    if r["disagreements"] != 0: ok = False
if "error" not in cuda and "error" not in cpu:
    lines.append(f"cuda / cpu: {cuda['runs_per_s'] / cpu['runs_per_s']:.4g}x the runs/s")
    lines.append(f"target: 10,000 runs in under 1 s: {'met' if cuda['seconds'] < 1 else 'NOT met'}"
                 f" ({cuda['seconds']:.3f} s)")
text = "\n".join(lines)
print(text)
with open(os.path.join(out, "sweep-summary.txt"), "w") as f:
    f.write(text + "\n")
sys.exit(0 if ok else 1)
PY
exit $failed
