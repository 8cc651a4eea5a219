// resume.cpp: see resume.hpp.
#include "carry/resume.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "carry/errors.hpp"
#include "carry/value_rules.hpp"

namespace carry {

namespace {
bool was_given(const std::vector<std::string>& given, const char* option) {
  return std::find(given.begin(), given.end(), option) != given.end();
}

// A value the checkpoint fixes: the command line may repeat it, not change it.
void require_same(const std::vector<std::string>& given, const char* option, std::int64_t requested,
                  std::int64_t stored, const std::string& source) {
  if (!was_given(given, option) || requested == stored) return;
  throw UserError(std::string(option) + " " + std::to_string(requested) + " conflicts with " +
                  source + ", which was trained with " + option + " " + std::to_string(stored) +
                  " (a resumed run keeps its bits, hidden, batch and seed: leave " + option +
                  " out, or start a new run)");
}

std::string resumable_backend(const std::string& stored, const std::string& source,
                              const std::vector<std::string>& backends) {
  for (const std::string& name : backends) {
    if (name == stored) return stored;
  }
  // The name comes from the file: shown cut short and on one line.
  throw UserError(source + " was trained on the '" + shown(stored) +
                  "' backend, which this carry does not have; pass --backend to continue on "
                  "another (its steps may differ in the last bits)");
}
}  // namespace

Checkpoint checkpoint_of_run(const TrainConfig& config, const Parameters& params,
                             std::int64_t steps_done) {
  Checkpoint checkpoint;
  checkpoint.bits = config.bits;
  checkpoint.lr = config.lr;
  checkpoint.batch = config.batch;
  checkpoint.seed = config.seed;
  checkpoint.steps_done = steps_done;
  checkpoint.backend = config.backend;
  checkpoint.seed_compat = false;
  checkpoint.params = params;
  return checkpoint;
}

TrainConfig config_to_resume(const Checkpoint& checkpoint, const std::string& source,
                             const TrainConfig& requested, const std::vector<std::string>& given,
                             const std::vector<std::string>& backends) {
  if (checkpoint.seed_compat) {
    throw UserError(source +
                    " was written by --seed-compat, which cannot be resumed (numpy's random "
                    "stream is not in the checkpoint); run --seed-compat again with more --steps");
  }
  require_same(given, "--bits", requested.bits, checkpoint.bits, source);
  require_same(given, "--hidden", requested.hidden, checkpoint.params.hidden, source);
  require_same(given, "--batch", requested.batch, checkpoint.batch, source);
  require_same(given, "--seed", requested.seed, checkpoint.seed, source);

  TrainConfig config = requested;
  config.bits = checkpoint.bits;
  config.hidden = checkpoint.params.hidden;
  config.batch = checkpoint.batch;
  config.seed = checkpoint.seed;
  if (!was_given(given, "--lr")) config.lr = checkpoint.lr;
  if (!was_given(given, "--backend"))
    config.backend = resumable_backend(checkpoint.backend, source, backends);
  return config;
}

bool run_length_fits(std::int64_t steps_done, std::int64_t steps, std::int64_t batch) {
  constexpr std::int64_t kLargest = std::numeric_limits<std::int64_t>::max();
  batch = std::max<std::int64_t>(batch, 1);
  return steps <= kLargest - steps_done && steps_done + steps <= kLargest / batch;
}

void check_run_length(const TrainConfig& config, std::int64_t steps_done) {
  if (run_length_fits(steps_done, config.steps, config.batch)) return;
  throw UserError("--steps " + std::to_string(config.steps) + " after " +
                  std::to_string(steps_done) +
                  " steps done would take the run past 2^63 - 1 steps or samples (steps times "
                  "--batch); ask for fewer steps");
}

}  // namespace carry
