#!/usr/bin/env bash
# gpu-check.sh OUTDIR [BUILD_DIR]: everything about carry's cuda backend that needs a GPU, in one
# run of a few minutes on a machine with an NVIDIA GPU, nvcc, CMake, ninja and python3:
#   1. builds carry and its tests (BUILD_DIR, default build-gpu; an existing one is reused),
#   2. runs every test with CARRY_REQUIRE_GPU=1 (a missing GPU fails instead of skipping),
#   3. runs `carry verify` (the default run, one at odd sizes, one of each fused kernel version),
#      and `carry time-launch` (launch, graph-replay and grid-barrier costs, kernel resources),
#   4. times training steps with CUDA events for batches of 1 to 2^20 (`carry time-steps`), for
#      the chain kernels and (at 4 sizes) each fused version, unverified until this runs,
#   5. runs compute-sanitizer memcheck and racecheck on a small verify of the chain and of each
#      fused version, when it is installed,
#   6. runs `carry bench --kernel fused` on the GPU (throughput, time to 100%, peers when
#      PyTorch/JAX are there) into OUTDIR/bench (results.csv, results.json and the plots),
# and writes OUTDIR/report.md and OUTDIR/report.json (GPU, commit, every figure) and
# OUTDIR/logs.tar.gz (every log, the JUnit test results, verify's JSON); report.md is also printed.
# Exit status 0 when every check passed, 1 otherwise. The commit comes from git, or from
# CARRY_COMMIT or a .commit file when the tree was copied without .git.
# Without CLI11, nlohmann_json or GoogleTest installed, run scripts/vendor-deps.sh on a machine
# that has them and bring the .vendor folder along (README, "The GPU check").
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/gpu-check.sh OUTDIR [BUILD_DIR]}
build=${2:-build-gpu}
mkdir -p "$out"
out=$(cd "$out" && pwd)
logs=$(mktemp -d)  # packed into OUTDIR/logs.tar.gz at the end
started=$(date +%s)
jobs=$(nproc 2>/dev/null || echo 4)
status_file="$logs/status.txt"
: >"$status_file"

budget=${CARRY_CHECK_BUDGET_S:-340}  # the whole run, build included, stays under 6 minutes

note() { echo "[gpu-check $(($(date +%s) - started))s] $*"; }
# The smaller of a check's own limit and what is left of the budget.
limit() {
  local left=$((budget - ($(date +%s) - started)))
  ((left < $1)) && echo "$left" || echo "$1"
}
# record NAME STATUS SECONDS: one line per check, read by gpu_report.py.
record() { echo "$1 $2 $3" >>"$status_file"; }
# run_check NAME LIMIT_SECONDS LOG COMMAND...: runs a command under a time limit, logs it.
run_check() {
  local name=$1 seconds log=$3
  seconds=$(limit "$2")
  shift 3
  local t0=$(date +%s)
  if ((seconds < 10)); then
    note "$name: skipped, the time budget is spent"
    record "$name" skipped 0
    return 124
  fi
  note "$name (at most ${seconds}s)"
  timeout "$seconds" "$@" >"$log" 2>&1
  local rc=$?
  record "$name" "$rc" "$(($(date +%s) - t0))"
  note "$name: exit $rc"
  return $rc
}

commit=${CARRY_COMMIT:-$(git rev-parse HEAD 2>/dev/null || cat .commit 2>/dev/null || echo unknown)}
if git rev-parse HEAD >/dev/null 2>&1 && ! git diff --quiet HEAD 2>/dev/null; then
  commit="$commit (with uncommitted changes)"
fi
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader \
    >"$logs/gpu.txt" 2>&1
else
  echo "nvidia-smi not found" >"$logs/gpu.txt"
fi
{
  command -v nvcc >/dev/null && nvcc --version | tail -2 || /usr/local/cuda/bin/nvcc --version | tail -2
  cmake --version | head -1
} >"$logs/tools.txt" 2>&1

# 1. Build: Release, this GPU's architecture when nvidia-smi can tell, else the default (sm_90).
arch_flag=()
cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
if [[ $cap =~ ^[0-9]+$ ]]; then arch_flag=(-DCMAKE_CUDA_ARCHITECTURES="$cap"); fi
run_check build 200 "$logs/build.log" bash -c "
  cmake -S . -B '$build' -G Ninja -DCMAKE_BUILD_TYPE=Release ${arch_flag[*]:-} &&
  cmake --build '$build' -j $jobs"
build_rc=$?

if ((build_rc == 0)); then
  carry="$build/carry"
  # 2. Every test; a missing GPU is a failure here.
  export CARRY_REQUIRE_GPU=1
  run_check tests 200 "$logs/tests.log" \
    ctest --test-dir "$build" -j "$jobs" --timeout 180 --output-on-failure \
    --output-junit "$logs/tests.xml"

  # 3. carry verify: the defaults, then odd sizes (B 65537, H 7, T 16).
  run_check verify 90 "$logs/verify.log" "$carry" verify --json "$logs/verify.json"
  run_check verify_odd 90 "$logs/verify_odd.log" \
    "$carry" verify --batch 65537 --hidden 7 --bits 16 --steps 5 --json "$logs/verify_odd.json"
  # The fused kernels: v1 (kernels/fused_step_v1.cu) at H 64, T 16, v2 (fused_step_v2.cu) at the
  # default H 16, T 8; both at an odd batch, the last tile partial.
  run_check verify_fused_v1 60 "$logs/verify_fused_v1.log" "$carry" verify --kernel fused-v1 \
    --batch 65537 --hidden 64 --bits 16 --steps 5 --json "$logs/verify_fused_v1.json"
  run_check verify_fused_v2 60 "$logs/verify_fused_v2.log" "$carry" verify --kernel fused-v2 \
    --batch 65537 --steps 5 --json "$logs/verify_fused_v2.json"

  # What a launch, a graph replay and a grid barrier cost here, and the fused kernels' registers
  # and occupancy (bench/fused-notes.md, "What to measure first").
  run_check launch 30 "$logs/launch.log" bash -c "'$carry' time-launch >'$logs/launch.json'"

  # 4. Throughput against batch size: CUDA events around 300 steps after 30 warm-up steps, for
  #    the chain at eight sizes, then each fused version at four (bench/fused-notes.md: what to
  #    compare): one JSON line per kernel and batch into NAME.jsonl.
  sweep() {  # sweep NAME LIMIT "KERNEL ..." BATCH...
    local name=$1 each=$2 kernels=$3 t0=$(date +%s) rc=0 kernel batch seconds
    shift 3
    for kernel in $kernels; do
      for batch in "$@"; do
        seconds=$(limit "$each")
        if ((seconds < 10)); then
          echo "$kernel batch $batch skipped: the time budget is spent" >>"$logs/$name.log"
          rc=1
          continue
        fi
        note "time-steps --kernel $kernel batch $batch"
        if ! timeout "$seconds" "$carry" time-steps --backend cuda --kernel "$kernel" \
          --batch "$batch" --steps 300 --warmup 30 >>"$logs/$name.jsonl" 2>>"$logs/$name.log"; then
          rc=1
          echo "$kernel batch $batch failed" >>"$logs/$name.log"
        fi
      done
    done
    record "$name" "$rc" "$(($(date +%s) - t0))"
  }
  : >"$logs/sweep.jsonl"
  : >"$logs/sweep_fused.jsonl"
  sweep sweep 60 chain 1 16 256 4096 16384 65536 262144 1048576
  sweep sweep_fused 30 "fused-v1 fused-v2" 1 4096 262144 1048576

  # 5. compute-sanitizer on a small verify.
  sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
  # The chain, then each fused version (racecheck: their shared memory and barriers).
  if [[ -n $sanitizer ]]; then
    for kernel in chain fused-v1 fused-v2; do
      for tool in memcheck racecheck; do
        name=$tool  # memcheck, racecheck_fused_v1, ...
        [[ $kernel == chain ]] || name=${tool}_${kernel//-/_}
        run_check "$name" 60 "$logs/$name.log" "$sanitizer" --tool "$tool" --error-exitcode 99 \
          "$carry" verify --kernel "$kernel" --batch 300 --steps 2
      done
    done
  else
    note "compute-sanitizer not found: memcheck and racecheck not run"
    for name in memcheck racecheck memcheck_fused_v1 racecheck_fused_v1 memcheck_fused_v2 \
      racecheck_fused_v2; do
      record "$name" absent 0
    done
  fi
fi

# 6. carry bench on the GPU: throughput and time to 100% exact, with the peers beside it. The
#    %peak column uses CARRY_GPU_PEAK_GFLOPS (default: the H100/H200 datasheet fp32 figure).
if ((build_rc == 0)); then
  # The fused kernel (its newest version) is the one with targets against the peers; the chain's
  # throughput is in the sweep above.
  run_check bench 90 "$logs/bench.log" "$carry" bench --backend cuda --kernel fused \
    --batch 1,256,16384,262144,1048576 --repeats 3 --peers --peer-device cuda \
    --gpu-peak-gflops "${CARRY_GPU_PEAK_GFLOPS:-67000}" --target-seconds 10 --out "$out/bench"
fi

record total 0 "$(($(date +%s) - started))"
python3 scripts/gpu_report.py "$logs" "$out" "$commit"
report_rc=$?
tar czf "$out/logs.tar.gz" -C "$logs" .
rm -rf "$logs"
cat "$out/report.md"
exit $report_rc
