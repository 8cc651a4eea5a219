# CarryParts.cmake: carry's parts, lowest first, with their folders and the public headers each
# owns. A part may include and link only the parts below it; cmake/check_layering.cmake checks
# every #include against this at each build.
#
# Parts on one level (separated by "|": the three backends) may not include each other.
set(CARRY_PART_LEVELS
  "common"                                      # threads, files, strict values: what all share
  "reference"                                   # the float64 network, problems, numpy, seed mode
  "evaluation"                                  # exact-match and bit accuracy over all pairs
  "training"                                    # config, Trainer, the loop, checkpoints, resume
  "backend_cpu|backend_cuda|backend_reference"  # the backends
  "backends"                                    # choosing one: make_trainer, memory, --kernel
  "verify"                                      # a backend against the reference, step by step
  "bench"                                       # throughput, peers, records, timing tools
  "sweep"                                       # many runs at once: grid, records, statistics
  "cli")                                        # the carry program

# Where each part's sources and internal headers live; a file belongs to the part of the
# longest folder that holds it.
set(CARRY_PART_FOLDERS_common src/common)
set(CARRY_PART_FOLDERS_reference src/reference)
set(CARRY_PART_FOLDERS_evaluation src/evaluation)
set(CARRY_PART_FOLDERS_training src/training)
set(CARRY_PART_FOLDERS_backend_cpu src/backends/cpu)
set(CARRY_PART_FOLDERS_backend_cuda src/backends/cuda kernels)
set(CARRY_PART_FOLDERS_backend_reference src/backends/reference)
set(CARRY_PART_FOLDERS_backends src/backends)
set(CARRY_PART_FOLDERS_verify src/verify)
set(CARRY_PART_FOLDERS_sweep src/sweep)
set(CARRY_PART_FOLDERS_bench src/bench)
set(CARRY_PART_FOLDERS_cli src/cli)

# The public API, include/carry/: what each part offers the parts above it and the library's users.
set(CARRY_PUBLIC_HEADERS_common
  bounded_json.hpp bounded_read.hpp errors.hpp run_lock.hpp thread_pool.hpp value_rules.hpp
  worker_threads.hpp write_target.hpp)
set(CARRY_PUBLIC_HEADERS_reference
  divergence.hpp float32_error.hpp flops.hpp host_device.hpp parameters.hpp philox.hpp problem.hpp
  reference.hpp seed_compat.hpp)
set(CARRY_PUBLIC_HEADERS_evaluation evaluate.hpp)
set(CARRY_PUBLIC_HEADERS_training
  atomic_file.hpp checkpoint.hpp config.hpp memory_budget.hpp
  periodic_checkpoint.hpp resume.hpp signal_guard.hpp step_detail.hpp trainer.hpp
  training_loop.hpp)
set(CARRY_PUBLIC_HEADERS_backend_cpu cpu_lanes.hpp cpu_trainer.hpp)
set(CARRY_PUBLIC_HEADERS_backend_cuda
  batch_encoder.hpp cuda_backend.hpp gpu_probe.hpp multi_run_engine.hpp)
set(CARRY_PUBLIC_HEADERS_backend_reference reference_trainer.hpp)
set(CARRY_PUBLIC_HEADERS_backends backends.hpp)
set(CARRY_PUBLIC_HEADERS_verify sample_chunks.hpp self_check.hpp verification.hpp)
set(CARRY_PUBLIC_HEADERS_sweep
  sweep/bench_runs.hpp sweep/engine.hpp sweep/grid.hpp sweep/lanes_worker.hpp sweep/manifest.hpp
  sweep/multi_run_sweep_engine.hpp sweep/plots.hpp sweep/record_log.hpp sweep/run_record.hpp sweep/statistics.hpp
  sweep/summary.hpp sweep/sweep_folder.hpp sweep/train_run.hpp)
set(CARRY_PUBLIC_HEADERS_bench bench.hpp csv_table.hpp launch_costs.hpp peer_python.hpp peers.hpp)
set(CARRY_PUBLIC_HEADERS_cli "")
