// memory_budget.cpp: see memory_budget.hpp. Linux: /proc, cgroup v2 and rlimits.
#include "carry/memory_budget.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <thread>

#include "carry/errors.hpp"
#include "carry/parameters.hpp"
#include "carry/value_rules.hpp"

namespace carry {

namespace {
constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

std::uint64_t page_bytes() {
  const long size = ::sysconf(_SC_PAGESIZE);
  return size > 0 ? static_cast<std::uint64_t>(size) : 4096;
}

std::uint64_t system_available_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kilobytes = 0;
  std::string unit;
  while (meminfo >> key >> kilobytes >> unit) {
    if (key == "MemAvailable:") return kilobytes * 1024;
  }
  const long pages = ::sysconf(_SC_AVPHYS_PAGES);
  return pages > 0 ? static_cast<std::uint64_t>(pages) * page_bytes() : kUnlimited;
}

// memory.max - memory.current of this process's cgroup (v2), when it has a limit.
std::uint64_t cgroup_available_bytes() {
  std::ifstream membership("/proc/self/cgroup");
  std::string line;
  while (std::getline(membership, line)) {
    if (line.rfind("0::", 0) != 0) continue;
    const std::string folder = "/sys/fs/cgroup" + line.substr(3);
    std::ifstream max_file(folder + "/memory.max");
    std::ifstream current_file(folder + "/memory.current");
    std::uint64_t limit = 0;
    std::uint64_t current = 0;
    if (!(max_file >> limit) || !(current_file >> current)) return kUnlimited;  // "max": none
    return limit > current ? limit - current : 0;
  }
  return kUnlimited;
}

// An rlimit minus the part of it in use, both in bytes.
std::uint64_t rlimit_available_bytes(int resource, std::uint64_t used_bytes) {
  struct rlimit limit {};
  if (::getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return kUnlimited;
  const auto bytes = static_cast<std::uint64_t>(limit.rlim_cur);
  return bytes > used_bytes ? bytes - used_bytes : 0;
}

std::string size_text(std::uint64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 6) {
    value /= 1024.0;
    ++unit;
  }
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return buffer;
}

}  // namespace

std::uint64_t thread_stack_bytes() {
  std::size_t stack = 8u << 20;
  pthread_attr_t attributes;
  if (::pthread_attr_init(&attributes) == 0) {
    ::pthread_attr_getstacksize(&attributes, &stack);
    ::pthread_attr_destroy(&attributes);
  }
  return stack + page_bytes();
}

MemoryNeed common_memory_need(const TrainConfig& config) {
  const auto hidden = static_cast<std::uint64_t>(config.hidden);
  const std::uint64_t weights = (kInputs * hidden + hidden * hidden + hidden) * sizeof(double);
  const std::uint64_t trace = static_cast<std::uint64_t>(config.bits + 1) * hidden * sizeof(double);
  // Each evaluation thread keeps two H x 64 blocks of hidden states (evaluate.cpp).
  const std::uint64_t cores = std::max(1u, std::thread::hardware_concurrency());
  const std::uint64_t evaluation = cores * 2 * hidden * 64 * sizeof(double);
  // Threads started besides the main one: evaluation's (each backend counts its own).
  std::uint64_t started_threads = cores - 1;
  MemoryNeed need;
  // Weights, the update, the trainer's and a report's copies; one trace; the evaluation.
  need.fixed_bytes = 4 * weights + trace + evaluation;
  need.fixed_bytes += started_threads * thread_stack_bytes();
  return need;
}

MemoryNeed operator+(const MemoryNeed& a, const MemoryNeed& b) {
  return MemoryNeed{a.fixed_bytes + b.fixed_bytes, a.bytes_per_sample + b.bytes_per_sample};
}

std::uint64_t available_memory_bytes() {
  std::uint64_t pages_in_use = 0;  // statm: size (address space) ...
  std::uint64_t data_pages = 0;    // ... and data + stack, in pages
  std::ifstream statm("/proc/self/statm");
  std::uint64_t resident = 0, shared = 0, text = 0, library = 0;
  statm >> pages_in_use >> resident >> shared >> text >> library >> data_pages;
  std::uint64_t available = std::min(system_available_bytes(), cgroup_available_bytes());
  available = std::min(available, rlimit_available_bytes(RLIMIT_AS, pages_in_use * page_bytes()));
  available = std::min(available, rlimit_available_bytes(RLIMIT_DATA, data_pages * page_bytes()));
  // CARRY_MEMORY_LIMIT (bytes) caps what carry allows itself, below whatever the system offers;
  // read by the same rules as every number carry takes, so "1M" or "-1" is refused, not ignored.
  if (const char* cap = std::getenv("CARRY_MEMORY_LIMIT")) {
    const std::int64_t bytes = read_integer(cap, "CARRY_MEMORY_LIMIT (a number of bytes)", {});
    available = std::min<std::uint64_t>(available, static_cast<std::uint64_t>(bytes));
  }
  return available;
}

std::int64_t largest_batch_that_fits(const MemoryNeed& need, std::uint64_t available_bytes) {
  if (available_bytes < need.fixed_bytes + need.bytes_per_sample) return 0;
  const std::uint64_t per_sample = std::max<std::uint64_t>(need.bytes_per_sample, 1);
  const std::uint64_t samples = (available_bytes - need.fixed_bytes) / per_sample;
  return static_cast<std::int64_t>(std::min<std::uint64_t>(samples, kMaxBatch));
}

void check_batch_fits(const TrainConfig& config, const MemoryNeed& need,
                      std::uint64_t available_bytes) {
  const std::int64_t largest = largest_batch_that_fits(need, available_bytes);
  if (config.batch <= largest) return;
  const std::uint64_t needed =
      need.fixed_bytes + need.bytes_per_sample * static_cast<std::uint64_t>(config.batch);
  throw UserError("--batch " + std::to_string(config.batch) + " needs about " + size_text(needed) +
                  " on the " + config.backend + " backend, but only " + size_text(available_bytes) +
                  " of memory is available; " +
                  (largest > 0 ? "the largest batch that fits is " + std::to_string(largest)
                               : std::string("not even --batch 1 fits")));
}

}  // namespace carry
