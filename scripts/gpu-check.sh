#!/usr/bin/env bash
# gpu-check.sh OUTDIR [BUILD_DIR] [--only CHECK[,CHECK...]]: everything about carry's cuda backend
# that needs a GPU, in one run of under five minutes on a machine with an NVIDIA GPU, nvcc, CMake,
# ninja and python3 (docs/gpu-check.md). In this order, so that the checks that decide whether
# the GPU code is right come before the measurements:
#   build             carry and its tests (BUILD_DIR, default build-gpu; an existing one is reused)
#   tests             every test, with CARRY_REQUIRE_GPU=1 (a missing GPU fails instead of skipping)
#   verify*           `carry verify`: the defaults, odd sizes, each fused kernel version (several
#                     rounds per block), against the float64 reference
#   memcheck*, racecheck*   compute-sanitizer on 2-step verifies of the chain and each fused version
#   self_check_cost   `carry train --backend cuda` with and without its self-check: the check's
#                     seconds against a default run's, and identical checkpoints either way
#   multi_run         sweeps on the GPU (scripts/gpu-check-sweep.sh): `carry sweep --backend cuda`
#                     against the cpu engine's success rate, 10,000 runs timed, an audit
#   launch            `carry time-launch`: launch, graph-replay and grid-barrier costs, resources
#   sweep, sweep_fused      `carry time-steps` across batch sizes: the GPU's work alone, the whole
#                     stretch, and the host's batch drawing, for the chain and each fused version
#   bench             `carry bench --kernel fused` with PyTorch eager, JAX and torch.compile beside
#                     it (the python3 that imports torch: carry bench --show-peer-python)
# It writes OUTDIR/report.md and OUTDIR/report.json (gpu_report.py) and OUTDIR/logs.tar.gz, prints
# the report, and exits 0 when no check failed, 1 otherwise. A check that does not fit in what is
# left of the budget is not started and is reported as "not run", with the command to rerun only
# the checks that failed or did not run: scripts/gpu-check.sh OUTDIR --only verify_fused_v1,bench.
# Without a GPU (no nvidia-smi GPU, or CARRY_GPU_CHECK_DRY_RUN=1) it is a dry run: the tests run
# without CARRY_REQUIRE_GPU (the GPU ones skip), the checks fail for the lack of a GPU, the budget
# is an hour and each check's limit ten times longer, and the report says so. The commit comes
# from git, or CARRY_COMMIT, or a .commit file. Without CLI11, nlohmann_json or GoogleTest
# installed, bring a .vendor folder (scripts/vendor-deps.sh).
#
# Budget, in seconds, on the GPU machine (16 cores, H200). The float64 reference side of each
# check was timed on a CPU, in CPU seconds on one thread (tests/verify/reference_cost.cpp,
# docs/gpu-check.md); it runs on all 16 cores. The GPU side is an estimate until a run reports it.
#   check                 expected  limit   what sets it
#   build                      100    160   ~550 CPU-s in all (~35 s on 16 cores); longest file
#                                           fused_step_v2.cu, 34 CPU-s; configure and links
#   tests                       45     90   ctest -j16: the longest CPU tests ~10 s; the GPU
#                                           tests' reference parts 23 CPU-s in all, 8 the largest
#   verify                       4     30   B 256, H 16, T 8, 20 steps: reference 0.06 CPU-s
#   verify_odd                   6     30   B 65537, H 7, T 16, 2 steps: reference 1.0 CPU-s
#   verify_fused_v1              8     30   B 33793, H 64, T 16, 2 steps (2 rounds): 19 CPU-s
#   verify_fused_v2              6     30   B 65537, H 16, T 8, 2 steps (2 rounds): 1.6 CPU-s
#   memcheck, racecheck x3      30     40   6 runs of ~5 s (sanitizer start), each; B 300
#   self_check_cost             10     40   6 default trainings, ~1 s each (CUDA start included)
#   multi_run                   25     90   1000 + 10,000 + 500 runs on the GPU, 400 on the
#                                           CPU's 16 cores (~0.03 s each), host evaluations
#   launch                       3     20
#   sweep                       15     40   8 batch sizes, 330 steps each, ~2 s a run
#   sweep_fused                 12     30   2 kernels x 4 batch sizes
#   bench                       45     70   B 65536: carry ~3 s; per peer torch/JAX import and
#                                           CUDA start ~5 s, torch.compile's compilation ~25 s
#   report, logs                 2
#   total                      311          CARRY_CHECK_BUDGET_S (285): a check starts only if
#                                           its expected seconds are left, and runs at most
#                                           what is left; the report follows. Should every
#                                           estimate hold, bench (a measurement, last) is the
#                                           check left for a second run: --only bench
set -uo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/gpu-check.sh OUTDIR [BUILD_DIR] [--only CHECK[,CHECK...]]" >&2
  exit 2
}
out=""
build=""
only=""
while (($#)); do
  case $1 in
    --only) only=${2:-}; [[ -n $only ]] || usage; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    -*) usage ;;
    *) if [[ -z $out ]]; then out=$1; elif [[ -z $build ]]; then build=$1; else usage; fi; shift ;;
  esac
done
[[ -n $out ]] || usage
build=${build:-build-gpu}
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)
logs=$(mktemp -d)  # packed into OUTDIR/logs.tar.gz at the end
started=$(date +%s)
jobs=$(nproc 2>/dev/null || echo 4)
status_file="$logs/status.txt"
: >"$status_file"

dry_run=0
if [[ ${CARRY_GPU_CHECK_DRY_RUN:-0} == 1 ]] || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
  dry_run=1
fi
budget=${CARRY_CHECK_BUDGET_S:-$((dry_run ? 3600 : 285))}
# Each check's own limit is multiplied by this (a 2-core machine without a GPU builds and tests
# many times slower than the GPU machine the limits are for).
limit_scale=${CARRY_CHECK_LIMIT_SCALE:-$((dry_run ? 10 : 1))}

note() { echo "[gpu-check $(($(date +%s) - started))s] $*"; }
# record NAME STATUS SECONDS: one line per check, read by gpu_report.py.
record() { echo "$1 $2 $3" >>"$status_file"; }
selected() { [[ -z $only || ",$only," == *",$1,"* ]]; }
build_rc=0

# run_check NAME EXPECTED LIMIT LOG COMMAND...: runs COMMAND under min(LIMIT, what is left) when
# the check is selected, the build worked and at least EXPECTED seconds are left; records why not
# otherwise.
run_check() {
  local name=$1 expected=$2 limit=$3 log=$4
  shift 4
  if ! selected "$name"; then
    record "$name" not_selected 0
    return 0
  fi
  if [[ $name != build ]] && ((build_rc != 0)); then
    record "$name" no_build 0
    return 0
  fi
  local left=$((budget - ($(date +%s) - started)))
  if [[ $name == build ]]; then  # everything needs it: it runs whatever is left
    left=$((limit * limit_scale))
  elif ((left < expected)); then
    note "$name: not run, ${left}s of the budget left and it needs about ${expected}s"
    record "$name" not_run_budget 0
    return 0
  fi
  limit=$((limit * limit_scale))
  ((limit > left)) && limit=$left
  note "$name (about ${expected}s, at most ${limit}s)"
  local t0=$(date +%s)
  if declare -F "$1" >/dev/null; then  # a function of this script: run it in a shell of its own
    timeout -k 5 "$limit" bash -c "$(declare -f "$1"); $(printf '%q ' "$@")" >"$log" 2>&1
  else
    timeout -k 5 "$limit" "$@" >"$log" 2>&1
  fi
  local rc=$?
  record "$name" "$rc" "$(($(date +%s) - t0))"
  note "$name: exit $rc"
  return $rc
}

commit=${CARRY_COMMIT:-$(git rev-parse HEAD 2>/dev/null || cat .commit 2>/dev/null || echo unknown)}
if git rev-parse HEAD >/dev/null 2>&1 && ! git diff --quiet HEAD 2>/dev/null; then
  commit="$commit (with uncommitted changes)"
fi
if ((dry_run)); then
  note "no GPU here: a dry run (the GPU tests skip, the GPU checks fail for the lack of one)"
  echo "no GPU (nvidia-smi lists none)" >"$logs/gpu.txt"
else
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader \
    >"$logs/gpu.txt" 2>&1
fi
{
  command -v nvcc >/dev/null && nvcc --version | tail -2 || /usr/local/cuda/bin/nvcc --version | tail -2
  cmake --version | head -1
  echo "$jobs cores"
} >"$logs/tools.txt" 2>&1
sweep_batches=(1 16 256 4096 16384 65536 262144 1048576)
sweep_fused_batches=(1 4096 262144 1048576)
{
  echo "dry_run=$dry_run"
  echo "budget_s=$budget"
  echo "only=$only"
  echo "sweep_runs=${#sweep_batches[@]}"
  echo "sweep_fused_runs=$((2 * ${#sweep_fused_batches[@]}))"
} >"$logs/meta.txt"

# build: Release, this GPU's architecture when nvidia-smi can tell, else the default (sm_90).
arch_flag=""
cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
[[ $cap =~ ^[0-9]+$ ]] && arch_flag="-DCMAKE_CUDA_ARCHITECTURES=$cap"
# Always built, whatever --only and the budget say (the other checks need it; an up-to-date
# folder takes seconds).
only_was=$only
only=""
run_check build 100 160 "$logs/build.log" bash -c "
  cmake -S . -B '$build' -G Ninja -DCMAKE_BUILD_TYPE=Release $arch_flag &&
  cmake --build '$build' -j $jobs"
build_rc=$?
only=$only_was
carry="$build/carry"
export carry logs  # for the checks that are functions of this script

# The python3 the peers will run with, and what it has (in the background, during the tests).
if ((build_rc == 0)); then
  (
    "$carry" bench --show-peer-python | sed 's/\t/ (/; s/$/)/'
    python=$("$carry" bench --show-peer-python | cut -f1)
    "$python" -c 'import torch; print("torch", torch.__version__, torch.cuda.is_available())' \
      2>&1 | tail -1
    "$python" -c 'import jax; print("jax", jax.__version__, jax.devices())' 2>&1 | tail -1
  ) >"$logs/python.txt" 2>&1 &
fi

# tests: every test; a missing GPU is a failure here (except in a dry run).
((dry_run)) || export CARRY_REQUIRE_GPU=1
run_check tests 45 90 "$logs/tests.log" \
  ctest --test-dir "$build" -j "$jobs" --timeout 80 --output-on-failure \
  --output-junit "$logs/tests.xml"
unset CARRY_REQUIRE_GPU

# verify: the defaults, then odd sizes; each fused version at a batch that takes two rounds of
# its grid with a partial last tile (v1 at H 64: 1056 blocks x 32 threads a round; v2 at H 16,
# T 8: 264 blocks x 128).
run_check verify 4 30 "$logs/verify.log" "$carry" verify --json "$logs/verify.json"
run_check verify_odd 6 30 "$logs/verify_odd.log" "$carry" verify --batch 65537 --hidden 7 \
  --bits 16 --steps 2 --json "$logs/verify_odd.json"
run_check verify_fused_v1 8 30 "$logs/verify_fused_v1.log" "$carry" verify --kernel fused-v1 \
  --batch 33793 --hidden 64 --bits 16 --steps 2 --json "$logs/verify_fused_v1.json"
run_check verify_fused_v2 6 30 "$logs/verify_fused_v2.log" "$carry" verify --kernel fused-v2 \
  --batch 65537 --steps 2 --json "$logs/verify_fused_v2.json"

# compute-sanitizer on a 2-step verify (lockstep and replay) of the chain and of each fused version
# (racecheck: their shared memory and barriers).
sanitizer=$(command -v compute-sanitizer ||
  ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
for kernel in chain fused-v1 fused-v2; do
  for tool in memcheck racecheck; do
    name=$tool  # memcheck, racecheck_fused_v1, ...
    [[ $kernel == chain ]] || name=${tool}_${kernel//-/_}
    if [[ -z $sanitizer ]] && selected "$name" && ((build_rc == 0)); then
      record "$name" absent 0
      continue
    fi
    run_check "$name" 5 40 "$logs/$name.log" "${sanitizer:-compute-sanitizer}" --tool "$tool" \
      --error-exitcode 99 "$carry" verify --kernel "$kernel" --batch 300 --steps 2
  done
done

# self_check_cost: three default runs with the self-check and three without, interleaved; each
# one's wall time, the check's own seconds, and whether the checkpoints are identical.
self_check_cost() {
  local k mode t0 t1 seconds rc=0
  for k in 1 2 3; do
    for mode in unchecked checked; do
      local flag="" save="$logs/self_check_${mode}_$k.json"
      [[ $mode == unchecked ]] && flag="--no-self-check"
      t0=$(date +%s%N)
      "$carry" train --backend cuda $flag --save "$save" >"$logs/self_check_${mode}_$k.out" 2>&1
      local status=$?
      t1=$(date +%s%N)
      ((status == 0)) || rc=1
      seconds=$(sed -n 's/^self-check: .*, \([0-9.]*\) s$/\1/p' "$logs/self_check_${mode}_$k.out")
      local identical=null  # not compared unless both runs saved a checkpoint
      if [[ $mode == checked && -f $save && -f $logs/self_check_unchecked_$k.json ]]; then
        cmp -s "$save" "$logs/self_check_unchecked_$k.json" && identical=true || identical=false
        [[ $identical == true ]] || rc=1
      fi
      local wall="$(((t1 - t0) / 1000000000)).$(printf %03d $((((t1 - t0) / 1000000) % 1000)))"
      printf '{"mode": "%s", "run": %d, "exit": %d, "wall_s": %s, "self_check_s": %s, %s}\n' \
        "$mode" "$k" "$status" "$wall" "${seconds:-null}" "\"identical_to_unchecked\": $identical" \
        >>"$logs/self_check.jsonl"
      cat "$logs/self_check_${mode}_$k.out"
    done
  done
  return $rc
}
: >"$logs/self_check.jsonl"
run_check self_check_cost 10 40 "$logs/self_check_cost.log" self_check_cost

# multi_run: sweeps on the GPU (scripts/gpu-check-sweep.sh): `carry sweep --backend cuda` end to
# end against the cpu engine's success rate, 10,000 runs timed, an audit of 500.
run_check multi_run 25 90 "$logs/multi_run.log" bash scripts/gpu-check-sweep.sh "$carry" \
  "$out/multi_run"

run_check launch 3 20 "$logs/launch.log" bash -c "'$carry' time-launch >'$logs/launch.json'"

# sweep, sweep_fused: 300 timed steps after 30 warm-up steps per kernel and batch, one JSON line
# each into NAME.jsonl (the GPU's work alone, the elapsed stretch, the host's drawing).
sweep() {  # sweep NAME "KERNEL ..." BATCH...
  local name=$1 kernels=$2 kernel batch rc=0
  shift 2
  for kernel in $kernels; do
    for batch in "$@"; do
      echo "time-steps --kernel $kernel --batch $batch"
      if ! "$carry" time-steps --backend cuda --kernel "$kernel" --batch "$batch" --steps 300 \
        --warmup 30 >>"$logs/$name.jsonl"; then
        rc=1
        echo "$kernel batch $batch failed"
      fi
    done
  done
  return $rc
}
: >"$logs/sweep.jsonl"
: >"$logs/sweep_fused.jsonl"
run_check sweep 15 40 "$logs/sweep.log" sweep sweep chain "${sweep_batches[@]}"
run_check sweep_fused 12 30 "$logs/sweep_fused.log" sweep sweep_fused "fused-v1 fused-v2" \
  "${sweep_fused_batches[@]}"

# bench: the fused kernel (its newest version) against the peers, side by side, at one batch (the
# sweeps have carry's other sizes; each peer costs seconds to start, torch.compile tens); its
# records are written after each one, so a bench stopped at its limit keeps what it measured.
# The %peak column uses CARRY_GPU_PEAK_GFLOPS (default: the H100/H200 datasheet fp32 figure).
run_check bench 45 70 "$logs/bench.log" "$carry" bench --backend cuda --kernel fused \
  --batch 65536 --repeats 3 --peers --peer-device cuda \
  --gpu-peak-gflops "${CARRY_GPU_PEAK_GFLOPS:-67000}" --target-seconds 10 --out "$out/bench"

wait  # the python probe
record total 0 "$(($(date +%s) - started))"
report_python=$(command -v python3 ||
  ls /usr/bin/python3 /opt/torch/.venv/bin/python3 2>/dev/null | head -1)
if [[ -n $report_python ]]; then
  "$report_python" scripts/gpu_report.py "$logs" "$out" "$commit"
  report_rc=$?
else
  echo "no python3 to write the report; the checks' statuses:" >"$out/report.md"
  cat "$status_file" >>"$out/report.md"
  report_rc=1
fi
tar czf "$out/logs.tar.gz" -C "$logs" .
rm -rf "$logs"
cat "$out/report.md"
note "done in $(($(date +%s) - started))s; report: $out/report.md"
exit $report_rc
