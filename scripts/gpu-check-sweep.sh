#!/usr/bin/env bash
# gpu-check-sweep.sh CARRY OUTDIR: the multi-run cuda engine's part of the GPU check, run by
# scripts/gpu-check.sh as its `multi_run` check (about 25 s on an H200; its GPU tests,
# CudaMultiRun.*, run in the `tests` check):
#   1. `carry sweep --backend cuda` end to end: 1000 runs of H 16, B 32, T 8, lr 4 to 100% exact
#      (checks every 10 steps, at most 5000 steps) through the multi-run engine, into a sweep
#      folder (records, summary, plots), and the same grid's first 200 seeds with
#      `--backend cpu`: their success rates must agree within their 95% intervals;
#   2. the target: 10,000 such runs with `carry time-sweep --backend cuda`;
#   3. an audit: 500 of those runs with the host confirming every check (disagreements must be 0);
#   4. 200 runs on the cpu backend, each alone on one core: the figure the GPU's runs/s is held
#      against in the same run,
# writing OUTDIR/sweep-cuda/ and sweep-cpu/ (sweep folders), time-sweep-{cuda,audit,cpu}.json and
# OUTDIR/multi-run-summary.txt. Exit status 0 when every step passed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
carry=${1:?usage: scripts/gpu-check-sweep.sh CARRY OUTDIR}
out=${2:?usage: scripts/gpu-check-sweep.sh CARRY OUTDIR}
mkdir -p "$out"
failed=0
step() { echo "[multi_run] $*"; }

grid=(--hidden 16 --batch 32 --lr 4 --bits 8 --check-every 10 --steps 5000 --quiet)
step "carry sweep --backend cuda: 1000 runs"
timeout 60 "$carry" sweep --backend cuda --seeds 0..999 "${grid[@]}" --out "$out/sweep-cuda" \
  >"$out/sweep-cuda.out" 2>&1 || { step "sweep FAILED: $(tail -1 "$out/sweep-cuda.out")"; failed=1; }
step "carry sweep --backend cpu: 200 runs of the same grid"
timeout 60 "$carry" sweep --backend cpu --seeds 0..199 "${grid[@]}" --out "$out/sweep-cpu" \
  >"$out/sweep-cpu.out" 2>&1 || { step "cpu sweep FAILED: $(tail -1 "$out/sweep-cpu.out")"; failed=1; }

setting=(--hidden 16 --batch 32 --bits 8 --lr 4 --check-every 10 --steps 5000)
step "time-sweep: 10,000 runs on the GPU"
timeout 60 "$carry" time-sweep --backend cuda --runs 10000 "${setting[@]}" \
  >"$out/time-sweep-cuda.json" 2>"$out/time-sweep-cuda.err" ||
  { step "time-sweep FAILED: $(tail -1 "$out/time-sweep-cuda.err")"; failed=1; }
step "audit: 500 runs, every check confirmed by the host"
timeout 60 "$carry" time-sweep --backend cuda --runs 500 --confirm every-check "${setting[@]}" \
  >"$out/time-sweep-audit.json" 2>"$out/time-sweep-audit.err" ||
  { step "audit FAILED: $(tail -1 "$out/time-sweep-audit.err")"; failed=1; }
step "time-sweep: 200 runs on the cpu backend, one per core"
timeout 60 "$carry" time-sweep --backend cpu --runs 200 "${setting[@]}" \
  >"$out/time-sweep-cpu.json" 2>"$out/time-sweep-cpu.err" ||
  { step "cpu time-sweep FAILED: $(tail -1 "$out/time-sweep-cpu.err")"; failed=1; }

python3 - "$out" <<'PY' || failed=1
import json, os, sys
out = sys.argv[1]
def last_line(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except Exception as error:
        return {"error": str(error)}
def summary(folder):
    try:
        with open(os.path.join(out, folder, "summary.json")) as f:
            return json.load(f)["rows"][0]
    except Exception as error:
        return {"error": str(error)}
def figure(value, form):
    return "null" if value is None else format(value, form)
lines, ok = [], True
cuda_sweep, cpu_sweep = summary("sweep-cuda"), summary("sweep-cpu")
for name, row in (("sweep cuda", cuda_sweep), ("sweep cpu", cpu_sweep)):
    if "error" in row:
        lines.append(f"{name}: no summary ({row['error']})"); ok = False; continue
    lines.append(f"{name}: {row.get('runs')} runs, {row.get('successes')} reached, rate "
                 f"{figure(row.get('success_rate'), '.3f')} [{figure(row.get('success_low'), '.3f')}, "
                 f"{figure(row.get('success_high'), '.3f')}], median steps "
                 f"{row.get('steps_median')}")
if "error" not in cuda_sweep and "error" not in cpu_sweep:
    try:
        overlap = (cuda_sweep["success_low"] <= cpu_sweep["success_high"] and
                   cpu_sweep["success_low"] <= cuda_sweep["success_high"])
    except (KeyError, TypeError):
        overlap = False
    lines.append(f"success rates agree within their 95% intervals: {'yes' if overlap else 'NO'}")
    ok = ok and overlap
runs = {n: last_line(f"time-sweep-{n}.json") for n in ("cuda", "audit", "cpu")}
for name, r in runs.items():
    if "error" in r:
        lines.append(f"time-sweep {name}: no result ({r['error']})"); ok = False; continue
    lines.append(f"time-sweep {name}: {r.get('runs')} runs in {figure(r.get('seconds'), '.3f')} s: "
                 f"{figure(r.get('runs_per_s'), '.4g')} runs/s, "
                 f"{figure(r.get('samples_per_s'), '.4g')} samples/s; {r.get('reached')} reached; "
                 f"{r.get('confirmations')} host confirmations, {r.get('disagreements')} disagreements")
    if r.get("disagreements") != 0:
        ok = False
cuda, cpu = runs["cuda"], runs["cpu"]
if "error" not in cuda and "error" not in cpu and cuda.get("runs_per_s") and cpu.get("runs_per_s"):
    lines.append(f"cuda / cpu: {cuda['runs_per_s'] / cpu['runs_per_s']:.4g}x the runs/s")
    seconds = cuda.get("seconds")
    lines.append("target: 10,000 runs in under 1 s: " +
                 ("met" if seconds is not None and seconds < 1 else "NOT met") +
                 f" ({figure(seconds, '.3f')} s)")
text = "\n".join(lines)
print(text)
with open(os.path.join(out, "multi-run-summary.txt"), "w") as f:
    f.write(text + "\n")
sys.exit(0 if ok else 1)
PY
exit $failed
