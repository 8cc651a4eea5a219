// backends.hpp: choosing a backend and making its trainer. The only part that knows every
// backend: the names this build has, what `auto` picks, each backend's memory need and the
// options only a backend understands (--kernel for cuda).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "carry/config.hpp"
#include "carry/memory_budget.hpp"
#include "carry/parameters.hpp"
#include "carry/trainer.hpp"

namespace carry {

// Every value --backend takes: auto, cuda, cpu, reference (whether this machine can run one is
// resolve_backend's to say).
const std::vector<std::string>& backend_names();
// The backends this build knows, best first: cuda (always listed: without CUDA or a GPU it says
// why it cannot run), cpu when this processor has AVX2 and FMA, reference.
std::vector<std::string> available_backends();
// The best backend that runs on the CPU here: cpu with AVX2 and FMA, else reference.
std::string best_cpu_backend();
// "auto" becomes the best usable backend (cuda with a usable GPU, else the best CPU one); an
// unknown name throws UserError listing the known.
std::string resolve_backend(const std::string& requested);

// validate(config), then the options a backend checks: config.kernel must be one of the cuda
// backend's kernels (cuda_backend.hpp), whichever backend runs.
void validate_run(const TrainConfig& config);

// What `config.backend` (resolved) needs to train `config`: every run's need plus the backend's
// own. A backend not listed is assumed to need what the reference needs.
MemoryNeed training_memory_need(const TrainConfig& config);
// What `carry verify` needs on the host for `config` (backend cuda): training's need, plus the
// batch and its outputs kept for the comparison.
MemoryNeed verification_memory_need(const TrainConfig& config);

// The trainer of `config.backend` ("auto" resolved here) from `initial` weights.
std::unique_ptr<Trainer> make_trainer(const TrainConfig& config, const Parameters& initial);

}  // namespace carry
