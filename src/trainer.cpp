// trainer.cpp: see trainer.hpp.
#include "carry/trainer.hpp"

#include "carry/cpu_trainer.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/reference_trainer.hpp"

namespace carry {

std::vector<AdditionProblem> make_batch(const TrainConfig& config, std::uint64_t step) {
  std::vector<AdditionProblem> batch(static_cast<std::size_t>(config.batch));
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i] = counter_problem(static_cast<std::uint64_t>(config.seed), step, i, config.bits);
  }
  return batch;
}

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

std::string resolve_backend(const std::string& requested) {
  const std::vector<std::string> known = available_backends();
  if (requested == "auto") return cuda_backend_usable() ? "cuda" : known.at(1);  // else best CPU
  for (const std::string& name : known) {
    if (name == requested) return name;
  }
  std::string list = "auto";
  for (const std::string& name : known) list += ", " + name;
  throw UserError("unknown backend '" + requested + "' (available: " + list + ")");
}

std::unique_ptr<Trainer> make_trainer(const TrainConfig& config, const Parameters& initial) {
  const std::string backend = resolve_backend(config.backend);
  if (backend == "cpu") return std::make_unique<CpuTrainer>(config, initial);
  if (backend == "reference") return std::make_unique<ReferenceTrainer>(config, initial);
  if (backend == "cuda") return make_cuda_trainer(config, initial);
  throw UserError("backend '" + backend + "' is not built into this carry");
}

}  // namespace carry
