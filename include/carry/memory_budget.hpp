// memory_budget.hpp: will a batch fit in memory? Checked before anything is allocated, so a
// too-large --batch is refused with the largest batch that would fit, instead of failing (or
// being killed) halfway through allocating it.
#pragma once

#include <cstdint>

#include "carry/config.hpp"

namespace carry {

struct MemoryNeed {
  // Weights, buffers, and the stacks of the threads the run starts (address space that ulimit -v
  // counts in full): whatever the batch.
  std::uint64_t fixed_bytes = 0;
  std::uint64_t bytes_per_sample = 0;  // grows with each sample of the batch
};

// What every run of `config` needs whatever its backend: the weights, the update, the trainer's
// and a report's copies, one trace of (T + 1) x H doubles, and the evaluation's blocks. Each
// backend adds its own need (the backends' training_memory_need, backends.hpp).
MemoryNeed common_memory_need(const TrainConfig& config);
MemoryNeed operator+(const MemoryNeed& a, const MemoryNeed& b);

// What this process may still allocate: the least of the system's available memory
// (MemAvailable in /proc/meminfo, else the free physical pages), its cgroup's memory.max minus
// memory.current, its address-space (ulimit -v) and data rlimits minus what it already uses,
// and CARRY_MEMORY_LIMIT (bytes, decimal digits; anything else is refused with UserError).
std::uint64_t available_memory_bytes();

// The largest batch whose need fits in `available_bytes` (0 when not even one sample does).
std::int64_t largest_batch_that_fits(const MemoryNeed& need, std::uint64_t available_bytes);

// Throws UserError when config.batch needs more than `available_bytes` by `need` (that of
// config.backend), naming the need, what is available and the largest batch that fits.
void check_batch_fits(const TrainConfig& config, const MemoryNeed& need,
                      std::uint64_t available_bytes);

// What each thread a run starts reserves for its stack (and guard page): address space, which
// ulimit -v counts in full, though little of it becomes memory.
std::uint64_t thread_stack_bytes();

}  // namespace carry
