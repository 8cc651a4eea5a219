// backends.cpp: see backends.hpp.
#include "carry/backends.hpp"

#include "carry/cpu_trainer.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/reference_trainer.hpp"

namespace carry {

const std::vector<std::string>& backend_names() {
  static const std::vector<std::string> names{"auto", "cuda", "cpu", "reference"};
  return names;
}

std::vector<std::string> available_backends() {
  // "cuda" is always listed: without CUDA or a GPU it explains why it cannot run.
  std::vector<std::string> backends{"cuda"};
  if (!cpu_backend_isa().empty()) backends.push_back("cpu");
  backends.push_back("reference");
  return backends;
}

std::string best_cpu_backend() {
  return cpu_backend_isa().empty() ? "reference" : "cpu";
}

std::string resolve_backend(const std::string& requested) {
  const std::vector<std::string> known = available_backends();
  if (requested == "auto") return cuda_backend_usable() ? "cuda" : best_cpu_backend();
  for (const std::string& name : known) {
    if (name == requested) return name;
  }
  std::string list = "auto";
  for (const std::string& name : known) list += ", " + name;
  throw UserError("unknown backend '" + requested + "' (available: " + list + ")");
}

void validate_run(const TrainConfig& config) {
  validate(config);
  if (!is_cuda_kernel_name(config.kernel)) {
    throw UserError(std::string("--kernel must be ") + kCudaKernelNames + " (got '" +
                    config.kernel + "')");
  }
}

MemoryNeed training_memory_need(const TrainConfig& config) {
  const MemoryNeed common = common_memory_need(config);
  if (config.backend == "cpu") return common + cpu_memory_need(config);
  if (config.backend == "cuda") return common + cuda_host_memory_need(config);
  return common + reference_memory_need(config);
}

MemoryNeed verification_memory_need(const TrainConfig& config) {
  MemoryNeed need = training_memory_need(config);
  // The batch's problems, and T outputs per sample three times over (the GPU's, the reference's
  // and their tolerances), in float64.
  need.bytes_per_sample +=
      sizeof(AdditionProblem) + 3 * static_cast<std::uint64_t>(config.bits) * sizeof(double);
  return need;
}

std::unique_ptr<Trainer> make_trainer(const TrainConfig& config, const Parameters& initial) {
  const std::string backend = resolve_backend(config.backend);
  if (backend == "cpu") return std::make_unique<CpuTrainer>(config, initial);
  if (backend == "reference") return std::make_unique<ReferenceTrainer>(config, initial);
  if (backend == "cuda") return make_cuda_trainer(config, initial);
  throw UserError("backend '" + backend + "' is not built into this carry");
}

}  // namespace carry
