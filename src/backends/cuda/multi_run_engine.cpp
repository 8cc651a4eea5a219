// multi_run_engine.cpp: the multi-run engine's core (multi_run_device.hpp) and the per-run
// engine. Plain C++: it drives whatever Device it is given, so the tests run it
// whole on the CPU model of the kernel.
//
// Shapes: H hidden, T bits, S threads per run, W weights per run, N pairs in the evaluation set.
// For each group of runs of one shape: load the records, then launch after launch
//   advance every running run by up to `steps` steps          (the device)
//   read the states; read the weights if a run paused or ended
//   confirm the paused runs' checks with evaluate() in float64  (the host, in parallel)
//   report the runs that ended, in run order; go on with the running ones
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <thread>
#include <tuple>

#include "carry/divergence.hpp"
#include "carry/errors.hpp"
#include "carry/evaluate.hpp"
#include "carry/flops.hpp"
#include "carry/trainer.hpp"
#include "carry/training_loop.hpp"
#include "carry/worker_threads.hpp"
#include "device_layout.hpp"
#include "multi_run_device.hpp"

namespace carry::multi_run {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr const char* kKernelEngine = "cuda-multi-run";

// Runs f(k) for k in [0, count) on up to `threads` threads (0: every core), each k once.
template <typename F>
void parallel_for(std::size_t count, int threads, F&& f) {
  std::size_t workers = threads > 0 ? static_cast<std::size_t>(threads)
                                    : std::max(1u, std::thread::hardware_concurrency());
  workers = std::min(workers, count);
  if (workers <= 1) {
    for (std::size_t k = 0; k < count; ++k) f(k);
    return;
  }
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t k = next++; k < count; k = next++) f(k);
  };
  run_on_threads(static_cast<int>(workers), [&](int) { work(); });
}

// The runs of one (H, T, S) and what the host keeps about each.
class Group {
 public:
  Group(int hidden, int bits, int threads) : hidden_(hidden), bits_(bits), threads_(threads) {}

  int hidden() const { return hidden_; }
  int bits() const { return bits_; }
  int threads() const { return threads_; }
  std::vector<std::size_t>& members() { return members_; }

  // Trains the group's runs to the end (or until stopped) on `device`.
  void run(Device& device, const std::vector<TrainConfig>& specs, const Options& options,
           const RunFinished& on_run_finished, const std::function<bool()>& stop_requested,
           Totals& totals);

 private:
  std::uint32_t pairs() const { return multi_run::evaluation_pairs(bits_); }
  void load(Device& device, const std::vector<TrainConfig>& specs, const Options& options);
  void settle(Device& device, const std::vector<std::size_t>& touched, const Options& options,
              const RunFinished& on_run_finished, Totals& totals);
  void confirm(const std::vector<std::size_t>& paused, const Options& options, Totals& totals);
  RunOutcome outcome(std::size_t k) const;

  int hidden_;
  int bits_;
  int threads_;
  std::vector<std::size_t> members_;  // indices into the specs
  std::vector<multi_run::RunDescriptor> runs_;
  std::vector<multi_run::RunState> states_;
  std::vector<float> weights_;
  std::vector<double> seconds_;
  std::vector<std::int64_t> confirmations_;
  std::vector<std::int64_t> disagreements_;
  std::vector<std::int64_t> host_exact_;  // the host's count at the run's last check, or -1
  std::vector<std::int64_t> host_bits_;   // and of right (pair, bit) places
};

std::uint32_t confirmation_flags(HostConfirmation confirm) {
  switch (confirm) {
    case HostConfirmation::passes:
      return multi_run::kConfirmPasses;
    case HostConfirmation::every_check:
      return multi_run::kConfirmEveryCheck;
    case HostConfirmation::uncertain:
      break;
  }
  return 0;
}

void Group::load(Device& device, const std::vector<TrainConfig>& specs, const Options& options) {
  const int W = multi_run::weight_count(hidden_);
  const std::size_t n = members_.size();
  runs_.assign(n, multi_run::RunDescriptor{});
  states_.assign(n, multi_run::RunState{});
  weights_.assign(n * static_cast<std::size_t>(W), 0.0f);
  seconds_.assign(n, 0.0);
  confirmations_.assign(n, 0);
  disagreements_.assign(n, 0);
  host_exact_.assign(n, -1);
  host_bits_.assign(n, -1);
  for (std::size_t k = 0; k < n; ++k) {
    const TrainConfig& spec = specs[members_[k]];
    multi_run::RunDescriptor& run = runs_[k];
    run.seed = static_cast<std::uint64_t>(spec.seed);
    run.batch = spec.batch;
    run.max_steps = spec.steps;
    run.check_every = spec.report_every;
    run.lr = static_cast<float>(spec.lr);
    run.needed = needed_exact(spec.until_accuracy, pairs());
    run.flags = confirmation_flags(options.confirm);
    run.margin_floor = options.margin_floor;
    const std::vector<float> initial =
        device_weights(numpy_initial_parameters(static_cast<std::uint32_t>(spec.seed), hidden_));
    std::copy(initial.begin(), initial.end(),
              weights_.begin() + static_cast<std::ptrdiff_t>(k * W));
    // A run of no steps is its initial weights' check, as run_training makes it: the host's.
    if (spec.steps == 0) states_[k].status = multi_run::kPaused;
  }
  device.load(runs_, states_, weights_);
}

// The paused runs' last checks, evaluated by the host in float64; each run's status follows the
// host's count (exact >= needed passes), and a count the device's certain answers contradict is
// a disagreement.
void Group::confirm(const std::vector<std::size_t>& paused, const Options& options,
                    Totals& totals) {
  const int W = multi_run::weight_count(hidden_);
  std::vector<std::uint64_t> exact(paused.size());
  std::vector<std::uint64_t> bits(paused.size());
  std::vector<double> seconds(paused.size());
  const int threads_each = paused.size() == 1 ? options.host_threads : 1;
  const Clock::time_point start = Clock::now();
  parallel_for(paused.size(), options.host_threads, [&](std::size_t p) {
    const Clock::time_point own_start = Clock::now();
    const std::size_t k = paused[p];
    const std::vector<float> flat(weights_.begin() + static_cast<std::ptrdiff_t>(k * W),
                                  weights_.begin() + static_cast<std::ptrdiff_t>((k + 1) * W));
    // Every bit where the run may end here (its record wants them), exact matches otherwise:
    // an audit confirms checks that fail, and those stop at the first wrong pair.
    const multi_run::RunState& state = states_[k];
    const bool may_end =
        state.steps_done == runs_[k].max_steps || state.decision != multi_run::kFail;
    const Evaluation evaluation =
        evaluate(parameters_from_device(flat, hidden_), bits_, threads_each,
                 may_end ? Counting::every_bit : Counting::exact_only);
    exact[p] = evaluation.exact_correct;
    bits[p] = may_end ? evaluation.bits_correct : ~std::uint64_t{0};
    seconds[p] = seconds_since(own_start);
  });
  totals.host_check_seconds += seconds_since(start);
  for (std::size_t p = 0; p < paused.size(); ++p) {
    const std::size_t k = paused[p];
    multi_run::RunState& state = states_[k];
    const multi_run::RunDescriptor& run = runs_[k];
    const bool reached = exact[p] >= run.needed;
    if (state.checks > 0) {  // a device check to hold the host's against
      const bool decision_contradicted = (state.decision == multi_run::kPass && !reached) ||
                                         (state.decision == multi_run::kFail && reached);
      if (decision_contradicted || !host_agrees(state, exact[p], pairs(), run.needed)) {
        ++disagreements_[k];
        ++totals.disagreements;
      }
    }
    ++confirmations_[k];
    ++totals.confirmations;
    seconds_[k] += seconds[p];
    host_exact_[k] = static_cast<std::int64_t>(exact[p]);
    host_bits_[k] = bits[p] == ~std::uint64_t{0} ? -1 : static_cast<std::int64_t>(bits[p]);
    const bool final = state.steps_done == run.max_steps;
    state.status =
        reached ? multi_run::kReached : (final ? multi_run::kExhausted : multi_run::kRunning);
    if (state.status == multi_run::kRunning) {  // not the run's last check after all
      host_exact_[k] = -1;
      host_bits_[k] = -1;
    }
  }
}

RunOutcome Group::outcome(std::size_t k) const {
  const int W = multi_run::weight_count(hidden_);
  const multi_run::RunState& state = states_[k];
  RunOutcome outcome;
  outcome.engine = kKernelEngine;
  outcome.reached = state.status == multi_run::kReached;
  outcome.diverged = state.status == multi_run::kDiverged;
  outcome.steps_done = state.steps_done;
  // Runs that end without the host's count ended on a complete walk with no uncertain pair
  // (status_after_check), so the device's count is exact.
  outcome.final_exact = outcome.diverged      ? 0
                        : host_exact_[k] >= 0 ? static_cast<std::uint64_t>(host_exact_[k])
                                              : state.right;
  outcome.evaluation_pairs = pairs();
  const double places = static_cast<double>(pairs()) * bits_;
  if (!outcome.diverged && host_bits_[k] >= 0) {
    outcome.final_bit_accuracy = static_cast<double>(host_bits_[k]) / places;
  } else if (!outcome.diverged && state.every_bit != 0 && state.bits_uncertain == 0) {
    outcome.final_bit_accuracy = state.bits_right / places;
  }
  if (!outcome.diverged && state.every_bit != 0) {
    outcome.final_loss = state.pairs_loss / static_cast<double>(pairs());
  }
  outcome.step_loss = outcome.diverged ? state.last_loss : state.check_loss;
  const std::vector<float> flat(weights_.begin() + static_cast<std::ptrdiff_t>(k * W),
                                weights_.begin() + static_cast<std::ptrdiff_t>((k + 1) * W));
  outcome.weights = parameters_from_device(flat, hidden_);
  outcome.seconds = seconds_[k];
  outcome.checks = state.checks;
  outcome.confirmations = confirmations_[k];
  outcome.disagreements = disagreements_[k];
  return outcome;
}

// The touched runs (those a launch advanced, or all at the start) that paused or ended: the
// paused ones confirmed by the host, those that ended reported in run order.
void Group::settle(Device& device, const std::vector<std::size_t>& touched, const Options& options,
                   const RunFinished& on_run_finished, Totals& totals) {
  std::vector<std::size_t> paused;
  std::vector<std::size_t> ended;
  for (std::size_t k : touched) {
    const std::int32_t status = states_[k].status;
    if (status == multi_run::kPaused) paused.push_back(k);
    if (status != multi_run::kPaused && status != multi_run::kRunning) ended.push_back(k);
  }
  if (paused.empty() && ended.empty()) return;
  device.read_weights(weights_);
  if (!paused.empty()) {
    confirm(paused, options, totals);
    device.write_states(states_);
    for (std::size_t k : paused) {
      if (states_[k].status != multi_run::kRunning) ended.push_back(k);
    }
    std::sort(ended.begin(), ended.end());
  }
  for (std::size_t k : ended) on_run_finished(members_[k], outcome(k));
}

void Group::run(Device& device, const std::vector<TrainConfig>& specs, const Options& options,
                const RunFinished& on_run_finished, const std::function<bool()>& stop_requested,
                Totals& totals) {
  load(device, specs, options);
  std::vector<TrainConfig> group_specs;
  std::vector<std::size_t> touched;
  for (std::size_t k = 0; k < members_.size(); ++k) {
    group_specs.push_back(specs[members_[k]]);
    touched.push_back(k);
  }
  while (true) {
    settle(device, touched, options, on_run_finished, totals);
    std::vector<std::int32_t> active;
    for (std::size_t k = 0; k < members_.size(); ++k) {
      if (states_[k].status == multi_run::kRunning) active.push_back(static_cast<std::int32_t>(k));
    }
    if (active.empty()) return;
    if (stop_requested && stop_requested()) {
      totals.interrupted = true;
      return;
    }
    const std::int64_t steps =
        options.steps_per_launch > 0
            ? options.steps_per_launch
            : steps_per_launch(group_specs, static_cast<std::int64_t>(active.size()));
    const Clock::time_point start = Clock::now();
    device.advance(active, steps);
    device.read_states(states_);
    const double seconds = seconds_since(start);
    ++totals.launches;
    totals.device_seconds += seconds;
    touched.assign(active.begin(), active.end());
    for (std::size_t k : touched) {
      seconds_[k] += seconds / static_cast<double>(active.size());
    }
  }
}

std::string fallback_note(int hidden, int bits) {
  return "H " + std::to_string(hidden) + ", T " + std::to_string(bits) +
         ": no multi-run kernel (H must be 1-6, 8, 12, 16 or 32 and T at most " +
         std::to_string(multi_run::kMaxBits) +
         "); these runs train one after another on the per-run cuda trainer";
}

}  // namespace

std::uint32_t needed_exact(double until, std::uint32_t pairs) {
  if (!(until > 0.0)) return pairs + 1;
  const double n = static_cast<double>(pairs);
  auto passes = [&](std::uint64_t k) { return static_cast<double>(k) / n >= until; };
  std::uint64_t k = static_cast<std::uint64_t>(std::min(std::ceil(until * n), n + 1.0));
  while (k > 0 && passes(k - 1)) --k;
  while (k <= pairs && !passes(k)) ++k;
  return static_cast<std::uint32_t>(k);
}

bool host_agrees(const multi_run::RunState& state, std::uint64_t exact, std::uint32_t pairs,
                 std::uint32_t needed) {
  if (state.complete != 0) {
    return state.right <= exact && exact <= std::uint64_t{state.right} + state.uncertain;
  }
  return exact + state.wrong <= pairs && exact < needed;
}

// Each launch should last long enough that its fixed cost (a few microseconds to launch, the tail
// of its last wave of blocks, one round trip for the states) stays small, and short enough that
// progress, a stop request and paused runs are seen several times a second: about 20 ms of work
// at 10 TFLOP/s (docs/cuda-sweep.md's prediction for the H200), counted with the training
// FLOP of the runs in flight. Checks add to that and are not counted.
std::int64_t steps_per_launch(const std::vector<TrainConfig>& specs, std::int64_t runs_in_flight) {
  double flops_per_step = 0.0;
  for (const TrainConfig& spec : specs) {
    flops_per_step += training_flops_per_sample(spec.hidden, spec.bits) * spec.batch;
  }
  flops_per_step /= std::max<std::size_t>(specs.size(), 1);
  const double launch_flops = 0.02 * 10e12;
  const double steps = launch_flops / (flops_per_step * std::max<std::int64_t>(runs_in_flight, 1));
  return static_cast<std::int64_t>(std::clamp(steps, 16.0, 1024.0));
}

RunOutcome train_run_alone(const TrainConfig& config, const std::string& engine,
                           const TrainerMaker& make) {
  validate(config);
  const Clock::time_point start = Clock::now();
  const std::unique_ptr<Trainer> trainer = make(
      config, numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden));
  RunOutcome outcome;
  outcome.engine = engine;
  outcome.evaluation_pairs = evaluation_set(config.bits).size;
  TrainingHooks hooks;
  hooks.on_report = [&](const TrainingReport& report) {
    outcome.step_loss = report.mean_loss;
    ++outcome.checks;
  };
  try {
    const TrainingOutcome trained = run_training(*trainer, config, 0, hooks);
    outcome.reached = trained.target_reached;
    outcome.steps_done = trained.steps_done;
    outcome.final_exact = trained.final_evaluation.exact_correct;
    if (config.steps == 0) {  // run_training evaluates, but does not compare with the target
      outcome.reached = config.until_accuracy > 0.0 &&
                        trained.final_evaluation.exact_accuracy() >= config.until_accuracy;
    }
  } catch (const DivergenceError& error) {
    outcome.diverged = true;
    outcome.steps_done = error.steps_done();
  }
  outcome.weights = trainer->parameters();
  if (!outcome.diverged) {
    const Evaluation final_evaluation = evaluate(outcome.weights, config.bits, config.threads);
    outcome.final_exact = final_evaluation.exact_correct;
    outcome.final_bit_accuracy = final_evaluation.bit_accuracy();
  }
  outcome.seconds = seconds_since(start);
  return outcome;
}

Totals train_runs(const std::vector<TrainConfig>& specs, const Options& options,
                  const DeviceFactory& make_device, const RunAlone& run_alone,
                  const RunFinished& on_run_finished, const std::function<bool()>& stop_requested) {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    try {
      validate(specs[i]);
    } catch (const UserError& error) {
      throw UserError("run " + std::to_string(i) + " of the sweep: " + error.what());
    }
  }
  Totals totals;
  std::vector<Group> groups;
  std::map<std::tuple<int, int, int>, std::size_t> group_of;
  std::vector<std::size_t> alone;
  std::map<std::pair<int, int>, bool> noted;
  auto note_fallback = [&](int hidden, int bits) {
    if (!noted[{hidden, bits}]) {
      noted[{hidden, bits}] = true;
      totals.notes.push_back(fallback_note(hidden, bits));
    }
  };
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const TrainConfig& spec = specs[i];
    const int threads = multi_run::threads_for(spec.hidden, spec.bits, spec.batch);
    if (threads == 0) {
      note_fallback(spec.hidden, spec.bits);
      alone.push_back(i);
      continue;
    }
    const auto key = std::make_tuple(spec.hidden, spec.bits, threads);
    auto found = group_of.find(key);
    if (found == group_of.end()) {
      found = group_of.emplace(key, groups.size()).first;
      groups.emplace_back(spec.hidden, spec.bits, threads);
    }
    groups[found->second].members().push_back(i);
  }
  for (Group& group : groups) {
    const std::unique_ptr<Device> device =
        make_device(group.hidden(), group.bits(), group.threads());
    if (!device) {
      note_fallback(group.hidden(), group.bits());
      alone.insert(alone.end(), group.members().begin(), group.members().end());
      continue;
    }
    group.run(*device, specs, options, on_run_finished, stop_requested, totals);
    totals.runs_on_kernel += static_cast<std::int64_t>(group.members().size());
    if (totals.interrupted) return totals;
  }
  std::sort(alone.begin(), alone.end());
  for (std::size_t index : alone) {
    if (stop_requested && stop_requested()) {
      totals.interrupted = true;
      return totals;
    }
    on_run_finished(index, run_alone(specs[index]));
    ++totals.runs_per_run;
  }
  return totals;
}

}  // namespace carry::multi_run
