// multi_run_model_test.cpp: label `cpu`. The multi-run cuda kernel without a GPU: its plan
// (multi_run_plan.hpp: sizes, shared memory, the update's tiles, the check's rules), its block
// program (multi_run_block.hpp) run on the CPU by tests/backends/cuda/multi_run_model.hpp against
// the float64 reference with `carry verify`'s tolerances (single steps at every compiled H, 30
// steps in lockstep and replayed, the device-drawn batch), its checks against evaluate() (every
// count bracketed by the host's, outputs exactly at 0.5, forced uncertainty), and the engine
// (multi_run_engine.cpp) driving the model: decisions equal to the host's at every check of real
// trajectories, runs independent of the other runs of their launch and bit-identical when rerun,
// every run reported once, stops, fallbacks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "carry/errors.hpp"
#include "carry/evaluate.hpp"
#include "carry/parameters.hpp"
#include "carry/reference.hpp"
#include "carry/reference_trainer.hpp"
#include "carry/training_loop.hpp"
#include "carry/verification.hpp"
#include "device_layout.hpp"
#include "multi_run_model.hpp"
#include "step_expectations.hpp"

namespace carry {
namespace {

using namespace multi_run;  // NOLINT: the engine and its records under test

// ---- the plan ---------------------------------------------------------------------------------

TEST(MultiRunPlan, EveryShapeFitsAndIsAligned) {
  for (int hidden : multi_run::kHidden) {
    for (int bits = 2; bits <= multi_run::kMaxBits; ++bits) {
      for (std::int64_t batch : {1, 32, 33, 64, 65, 1000}) {
        const std::string what = "H " + std::to_string(hidden) + " T " + std::to_string(bits) +
                                 " B " + std::to_string(batch);
        const int threads = multi_run::threads_for(hidden, bits, batch);
        ASSERT_GT(threads, 0) << what;
        EXPECT_EQ(threads % 32, 0) << what;
        EXPECT_LE(threads, batch <= 32 ? 32 : 128) << what;
        EXPECT_EQ(threads % multi_run::tiles(hidden), 0) << what;
        const multi_run::SharedLayout layout = multi_run::shared_layout(hidden, bits, threads);
        EXPECT_LE(layout.bytes, multi_run::kMaxSharedBytes) << what;
        for (std::int64_t offset :
             {layout.abs_weights, layout.work, layout.stage, layout.operands, layout.lane_loss,
              layout.lane_exact, layout.lane_counts, layout.control}) {
          EXPECT_EQ(offset % 16, 0) << what;
        }
        // The training's regions and the walk's stack both fit in the work region.
        const std::int64_t stride = multi_run::row_stride(hidden);
        EXPECT_GE(layout.stage - layout.history, 4 * std::int64_t{bits} * threads * stride);
        EXPECT_GE(layout.stage - layout.history,
                  4 * std::int64_t{threads} * multi_run::partials(hidden));
        EXPECT_GE(layout.lane_loss - layout.operands, 4 * 2 * threads) << what;
        EXPECT_GE(
            layout.lane_loss - layout.stack,
            4 * std::int64_t{multi_run::stack_levels(bits, threads)} * (2 * hidden + 1) * threads)
            << what;
        // Rows: 16-byte aligned, 8 consecutive rows in 8 distinct 4-bank groups.
        EXPECT_EQ(stride % 4, 0) << what;
        EXPECT_GE(stride, hidden + 1) << what;
        std::set<std::int64_t> groups;
        for (int row = 0; row < 8; ++row) groups.insert((row * stride / 4) % 8);
        EXPECT_EQ(groups.size(), 8u) << what;
      }
    }
  }
  EXPECT_EQ(multi_run::threads_for(7, 8, 32), 0);
  EXPECT_EQ(multi_run::threads_for(16, 14, 32), 0);
  EXPECT_EQ(multi_run::threads_for(16, 1, 32), 0);
  EXPECT_EQ(multi_run::threads_for(16, 8, 0), 0);
}

TEST(MultiRunPlan, EveryWeightHasOnePartialSumPlaceInItsTile) {
  for (int hidden : multi_run::kHidden) {
    const int w = multi_run::tile_width(hidden);
    const int rows = multi_run::tile_rows(hidden);
    EXPECT_EQ(hidden % w, 0);
    EXPECT_LE(w, 8);
    std::set<std::pair<int, int>> places;
    for (int k = 0; k < multi_run::weight_count(hidden); ++k) {
      const multi_run::StashPosition p = multi_run::stash_position(hidden, k);
      ASSERT_GE(p.tile, 0);
      ASSERT_LT(p.tile, multi_run::tiles(hidden));
      ASSERT_GE(p.index, 0);
      ASSERT_LT(p.index, multi_run::partials(hidden));
      EXPECT_TRUE(places.insert({p.tile, p.index}).second) << "H " << hidden << " k " << k;
      if (k < 2 * hidden) {
        EXPECT_EQ(p.tile / rows, 0) << "W0 belongs to tile-row 0";
      }
      if (k >= 2 * hidden + hidden * hidden) {
        EXPECT_EQ(p.tile / rows, rows - 1) << "W1 belongs to the last tile-row";
      }
    }
  }
}

TEST(MultiRunPlan, SplitDepthGivesEveryWalkerASubtreeWhenThereAreEnough) {
  for (int threads : {32, 64, 128}) {
    for (int bits = 2; bits <= multi_run::kMaxBits; ++bits) {
      const int split = multi_run::split_depth(bits, threads);
      EXPECT_LE(split, bits - 1);
      if (split < bits - 1) {
        EXPECT_GE(1 << (2 * split), threads);
      }
      EXPECT_EQ(multi_run::stack_levels(bits, threads), bits - split);
    }
  }
}

TEST(MultiRunPlan, NeededExactIsRunTrainingsTest) {
  for (std::uint32_t pairs : {4u, 64u, 16384u, 1u << 24}) {
    for (double until : {1.0, 0.999, 0.5, 1e-9, 0.3333333333, 0.75}) {
      const std::uint32_t needed = needed_exact(until, pairs);
      ASSERT_LE(needed, pairs) << until;
      EXPECT_TRUE(static_cast<double>(needed) / pairs >= until) << pairs << " " << until;
      if (needed > 0) {
        EXPECT_FALSE(static_cast<double>(needed - 1) / pairs >= until);
      }
    }
    EXPECT_EQ(needed_exact(0.0, pairs), pairs + 1) << "0: never stops";
    EXPECT_EQ(needed_exact(1.0, pairs), pairs);
  }
}

TEST(MultiRunPlan, DecisionsAndWhatFollows) {
  using multi_run::check_decision;
  using multi_run::status_after_check;
  // Needs 10 of 16.
  EXPECT_EQ(check_decision(10, 0, true, 10), multi_run::kPass);
  EXPECT_EQ(check_decision(9, 0, true, 10), multi_run::kFail);
  EXPECT_EQ(check_decision(9, 1, true, 10), multi_run::kUncertain);
  EXPECT_EQ(check_decision(5, 4, true, 10), multi_run::kFail);
  EXPECT_EQ(check_decision(12, 3, true, 10), multi_run::kPass);
  EXPECT_EQ(check_decision(16, 0, false, 10), multi_run::kFail) << "stopped early: failed";
  EXPECT_EQ(check_decision(16, 0, true, 17), multi_run::kFail) << "never passes";
  // What the run does.
  EXPECT_EQ(status_after_check(multi_run::kFail, 3, false, 0), multi_run::kRunning);
  EXPECT_EQ(status_after_check(multi_run::kFail, 0, true, 0), multi_run::kExhausted);
  EXPECT_EQ(status_after_check(multi_run::kFail, 3, true, 0), multi_run::kPaused)
      << "the record's count needs the host";
  EXPECT_EQ(status_after_check(multi_run::kPass, 0, false, 0), multi_run::kReached);
  EXPECT_EQ(status_after_check(multi_run::kPass, 1, false, 0), multi_run::kPaused);
  EXPECT_EQ(status_after_check(multi_run::kUncertain, 1, false, 0), multi_run::kPaused);
  EXPECT_EQ(status_after_check(multi_run::kPass, 0, false, multi_run::kConfirmPasses),
            multi_run::kPaused);
  EXPECT_EQ(status_after_check(multi_run::kFail, 0, false, multi_run::kConfirmPasses),
            multi_run::kRunning);
  EXPECT_EQ(status_after_check(multi_run::kFail, 0, false, multi_run::kConfirmEveryCheck),
            multi_run::kPaused);
}

TEST(MultiRunPlan, HostAgreement) {
  RunState complete;
  complete.complete = 1;
  complete.right = 100;
  complete.uncertain = 3;
  EXPECT_TRUE(host_agrees(complete, 100, 128, 128));
  EXPECT_TRUE(host_agrees(complete, 103, 128, 128));
  EXPECT_FALSE(host_agrees(complete, 99, 128, 128));
  EXPECT_FALSE(host_agrees(complete, 104, 128, 128));
  RunState stopped;
  stopped.wrong = 1;
  EXPECT_TRUE(host_agrees(stopped, 127, 128, 128));
  EXPECT_FALSE(host_agrees(stopped, 128, 128, 128));
}

// ---- one step of the block program against the reference --------------------------------------

using testing::expect_step_passes;

// A run as `carry train` would be told it: lr 4, a check every 10 steps, at most `steps`.
TrainConfig run_of(int hidden, int bits, std::int64_t batch, std::int64_t seed,
                   std::int64_t steps = 1500) {
  TrainConfig config = testing::cuda_test_config("chain", bits, hidden, batch, seed);
  config.steps = steps;
  config.report_every = 10;
  return config;
}

std::unique_ptr<testing::ModelStepper> make_stepper(const TrainConfig& config) {
  return std::make_unique<testing::ModelStepper>(
      config, numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden));
}

TEST(MultiRunModel, OneStepMatchesTheReferenceAtEveryHidden) {
  // Every compiled H, with a short, a middling and the longest T, and batches of one warp or
  // less, a partial second warp, and several rounds: a step applied, and one not applied.
  const int bits_for[] = {2, 5, 13};
  int which = 0;
  for (int hidden : multi_run::kHidden) {
    for (std::int64_t batch : {1, 3, 32, 33, 300}) {
      const int bits = bits_for[which++ % 3];
      if (batch * bits * hidden * hidden > (std::int64_t{1} << 22)) continue;  // test time
      const std::string what = "H " + std::to_string(hidden) + " T " + std::to_string(bits) +
                               " B " + std::to_string(batch);
      const TrainConfig config = run_of(hidden, bits, batch, bits + hidden + batch);
      testing::expect_slot_steps_match(*make_stepper(config), config, what);
    }
  }
}

TEST(MultiRunModel, ThirtyStepsInLockstepAndReplayed) {
  for (TrainConfig config : {run_of(16, 8, 32, 1), run_of(5, 6, 100, 2)}) {
    config.steps = 30;
    const VerifyOutcome outcome = verify_backend(
        [&](const Parameters& initial) {
          return std::make_unique<testing::ModelStepper>(config, initial);
        },
        config);
    testing::expect_verify_passes(outcome, 30, "H " + std::to_string(config.hidden));
  }
}

TEST(MultiRunModel, DrawsTheHostsBatch) {
  for (int bits : {2, 8, 13}) {
    for (std::int64_t batch : {1, 33, 300}) {
      const TrainConfig config = run_of(4, bits, batch, 77);
      const auto model = make_stepper(config);
      for (std::uint64_t step : {0u, 5u}) {
        model->run_step(step, true);
        std::vector<std::uint32_t> expected(static_cast<std::size_t>(2 * batch));
        encode_batch(77, step, bits, batch, expected.data());
        EXPECT_EQ(model->operands(), expected) << "T " << bits << " B " << batch;
      }
    }
  }
}

// ---- the check ----------------------------------------------------------------------------------

// The last check of a run of one step at lr 0 (the weights do not move): every pair counted.
RunState count_on_model(const Parameters& params, int bits, float margin_floor = 0.0f) {
  RunDescriptor run;
  run.seed = 1;
  run.batch = 1;
  run.max_steps = 1;
  run.lr = 0.0f;
  run.needed = multi_run::evaluation_pairs(bits) + 1;
  run.margin_floor = margin_floor;
  RunState state;
  std::vector<float> weights = device_weights(params);
  const std::int32_t active = 0;
  multi_run::LaunchArgs args;
  args.runs = &run;
  args.states = &state;
  args.weights = weights.data();
  args.active = &active;
  args.steps = 1;
  args.bits = bits;
  args.threads = multi_run::threads_for(params.hidden, bits, 1);
  testing::run_launch_on_cpu(params.hidden, args, 1);
  EXPECT_EQ(weights, device_weights(params)) << "lr 0 moved a weight";
  return state;
}

Parameters random_parameters(int hidden, double scale, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(-scale, scale);
  Parameters p = Parameters::zeros(hidden);
  for (double& w : p.w0) w = static_cast<float>(uniform(rng));
  for (double& w : p.wh) w = static_cast<float>(uniform(rng));
  for (double& w : p.w1) w = static_cast<float>(uniform(rng));
  return p;
}

// Σ over the pairs of ½ Σ_t (y_t - out_t)², reference_forward pair by pair (float64).
double host_pairs_loss(const Parameters& params, int bits) {
  const EvaluationSet set = evaluation_set(bits);
  SequenceTrace trace;
  double loss = 0.0;
  for (std::uint64_t i = 0; i < set.size; ++i) {
    const AdditionProblem pair = set.problem(i);
    reference_forward(params, pair, bits, trace);
    loss += sequence_loss(trace, pair, bits);
  }
  return loss;
}

// The last check's counts against evaluate()'s: pairs and (pair, bit) places bracketed by the
// certain and the uncertain ones; and its loss against the float64 one, within `loss_tolerance`
// (relative), when given.
void expect_counts_bracket_the_host(const Parameters& params, int bits, const std::string& what,
                                    float margin_floor = 0.0f, double loss_tolerance = 0.0) {
  const RunState state = count_on_model(params, bits, margin_floor);
  const std::uint32_t pairs = multi_run::evaluation_pairs(bits);
  const Evaluation host = evaluate(params, bits, 1, Counting::every_bit);
  EXPECT_EQ(state.complete, 1u) << what;
  EXPECT_EQ(state.every_bit, 1u) << what;
  EXPECT_EQ(std::uint64_t{state.right} + state.wrong + state.uncertain, pairs) << what;
  EXPECT_TRUE(host_agrees(state, host.exact_correct, pairs, pairs))
      << what << ": host " << host.exact_correct << ", device right " << state.right << " wrong "
      << state.wrong << " uncertain " << state.uncertain;
  EXPECT_LE(state.bits_right, host.bits_correct) << what;
  EXPECT_GE(std::uint64_t{state.bits_right} + state.bits_uncertain, host.bits_correct) << what;
  EXPECT_LE(std::uint64_t{state.bits_right} + state.bits_uncertain, std::uint64_t{pairs} * bits);
  if (loss_tolerance > 0.0) {
    const double loss = host_pairs_loss(params, bits);
    EXPECT_NEAR(state.pairs_loss, loss, loss_tolerance * loss) << what;
  }
  EXPECT_EQ(state.checks, 1) << what;
}

// The last walk's loss sums the float32 outputs' ½(y - out)² in float64: each output is off by
// a few float32 ulp of the sigmoid's inputs (its bound, below 1e-6 wherever the answer is
// certain), so the sum agrees with the float64 one to about 1e-6 relative; 1e-5 leaves room.
constexpr double kLossTolerance = 1e-5;

TEST(MultiRunCheck, CountsBracketTheHostsForRandomWeights) {
  std::mt19937_64 rng(2024);
  for (int hidden : {1, 2, 5, 16}) {
    for (int bits : {2, 3, 6, 8}) {
      for (double scale : {0.5, 3.0, 20.0}) {
        const Parameters params = random_parameters(hidden, scale, rng);
        expect_counts_bracket_the_host(params, bits,
                                       "H " + std::to_string(hidden) + " T " +
                                           std::to_string(bits) + " scale " + std::to_string(scale),
                                       0.0f, kLossTolerance);
      }
    }
  }
}

// Outputs within a few ulp of 0.5, where float32 and float64 may round apart: W1 shrunk so the
// logit is about 1e-6 .. 1e-8. The device must leave those to the host.
TEST(MultiRunCheck, CountsBracketTheHostsForOutputsNearOneHalf) {
  std::mt19937_64 rng(7);
  std::uint64_t uncertain = 0;
  for (int hidden : {2, 8}) {
    for (double w1_scale : {1e-5, 1e-6, 1e-7}) {
      Parameters params = random_parameters(hidden, 2.0, rng);
      for (double& w : params.w1) w = static_cast<float>(w * w1_scale);
      expect_counts_bracket_the_host(
          params, 7, "H " + std::to_string(hidden) + " W1 x " + std::to_string(w1_scale));
      uncertain += count_on_model(params, 7).uncertain;
    }
  }
  EXPECT_GT(uncertain, 0u) << "the test should reach outputs the device cannot decide";
}

// The reference trainer's weights at 100% (float64, rounded to float32 by the device).
Parameters trained_weights(int hidden, int bits, std::int64_t seed) {
  TrainConfig config = run_of(hidden, bits, 32, seed);
  config.backend = "reference";
  config.steps = 3000;
  config.report_every = 50;
  ReferenceTrainer trainer(config,
                           numpy_initial_parameters(static_cast<std::uint32_t>(seed), hidden));
  const TrainingOutcome outcome = run_training(trainer, config, 0, TrainingHooks{});
  EXPECT_TRUE(outcome.target_reached);
  return parameters_from_device(device_weights(trainer.parameters()), hidden);
}

TEST(MultiRunCheck, TrainedNetworksAreCertainlyRight) {
  const Parameters params = trained_weights(16, 8, 0);
  const std::uint64_t host = evaluate(params, 8, 1, Counting::exact_only).exact_correct;
  expect_counts_bracket_the_host(params, 8, "trained", 0.0f, kLossTolerance);
  const RunState state = count_on_model(params, 8);
  std::printf("trained H 16: host %llu exact, device %u right %u wrong %u uncertain\n",
              static_cast<unsigned long long>(host), state.right, state.wrong, state.uncertain);
  EXPECT_EQ(state.right, host);
  EXPECT_EQ(state.uncertain, 0u) << "a trained network's outputs are far from 0.5";
}

TEST(MultiRunCheck, OutputsOfExactlyOneHalfAreUncertain) {
  // evaluate_test's echo network: outputs σ(±40·...) or exactly 0.5 (predicted 0 by float64).
  Parameters p = Parameters::zeros(2);
  p.w0[0] = 40.0;
  p.w0[1] = -40.0;
  p.w1[0] = 40.0;
  p.w1[1] = -40.0;
  const RunState state = count_on_model(p, 6);
  EXPECT_GT(state.uncertain, 0u);
  expect_counts_bracket_the_host(p, 6, "echo");
  // All weights zero: every output is 0.5, every pair uncertain.
  const RunState zeros = count_on_model(Parameters::zeros(3), 5);
  EXPECT_EQ(zeros.uncertain, multi_run::evaluation_pairs(5));
  EXPECT_EQ(zeros.status, multi_run::kPaused) << "the host must count";
}

TEST(MultiRunCheck, AFloorOnTheMarginMakesEveryPairUncertain) {
  const Parameters params = trained_weights(8, 6, 3);
  const RunState normal = count_on_model(params, 6);
  const RunState forced = count_on_model(params, 6, 1.0f);
  EXPECT_EQ(normal.right, multi_run::evaluation_pairs(6));
  EXPECT_EQ(forced.right, 0u);
  EXPECT_EQ(forced.wrong, 0u);
  EXPECT_EQ(forced.uncertain, multi_run::evaluation_pairs(6));
}

// ---- the engine on the model
// ---------------------------------------------------------------------

DeviceFactory model_devices() {
  return [](int hidden, int bits, int threads) -> std::unique_ptr<Device> {
    return std::make_unique<testing::ModelDevice>(hidden, bits, threads);
  };
}

struct EngineRun {
  Totals totals;
  std::map<std::size_t, RunOutcome> outcomes;
  std::vector<std::size_t> order;
};

EngineRun run_engine(const std::vector<TrainConfig>& specs, Options options,
                     const RunAlone& run_alone = {},
                     const std::function<bool()>& stop_requested = {}) {
  EngineRun result;
  result.totals = train_runs(
      specs, options, model_devices(), run_alone ? run_alone : RunAlone([](const TrainConfig&) {
        ADD_FAILURE() << "no run should need the per-run engine";
        return RunOutcome{};
      }),
      [&](std::size_t index, const RunOutcome& outcome) {
        EXPECT_EQ(result.outcomes.count(index), 0u) << "run " << index << " reported twice";
        result.outcomes[index] = outcome;
        result.order.push_back(index);
      },
      stop_requested);
  return result;
}

void expect_same_runs(const EngineRun& a, const EngineRun& b, const std::string& what) {
  ASSERT_EQ(a.outcomes.size(), b.outcomes.size()) << what;
  for (const auto& [index, outcome] : a.outcomes) {
    const RunOutcome& other = b.outcomes.at(index);
    EXPECT_EQ(outcome.reached, other.reached) << what << " run " << index;
    EXPECT_EQ(outcome.steps_done, other.steps_done) << what << " run " << index;
    EXPECT_EQ(outcome.final_exact, other.final_exact) << what << " run " << index;
    EXPECT_EQ(flatten(outcome.weights), flatten(other.weights)) << what << " run " << index;
    EXPECT_EQ(outcome.checks, other.checks) << what << " run " << index;
  }
}

// Three groups (H 16 T 8 B 32, H 4 T 6 B 16, H 5 T 4 B 64: 32, 32 and 64 threads per run): with
// the host confirming every check, no decision of the device's is contradicted; confirming only
// the uncertain ones changes nothing (the same steps, counts and weights, bit for bit).
TEST(MultiRunEngine, DecisionsMatchTheHostAtEveryCheck) {
  const std::vector<TrainConfig> specs = {run_of(16, 8, 32, 0), run_of(4, 6, 16, 2, 300),
                                          run_of(5, 4, 64, 3, 300)};
  Options audit;
  audit.confirm = HostConfirmation::every_check;
  audit.steps_per_launch = 64;
  const EngineRun audited = run_engine(specs, audit);
  Options plain;
  plain.steps_per_launch = 64;
  const EngineRun normal = run_engine(specs, plain);
  EXPECT_EQ(audited.totals.disagreements, 0);
  EXPECT_EQ(normal.totals.disagreements, 0);
  EXPECT_EQ(audited.totals.runs_on_kernel, 3);
  expect_same_runs(audited, normal, "every check confirmed vs the uncertain ones");
  std::int64_t checks = 0;
  for (const auto& [index, outcome] : audited.outcomes) {
    checks += outcome.checks;
    EXPECT_EQ(outcome.confirmations, outcome.checks) << "run " << index;
    EXPECT_EQ(outcome.engine, "cuda-multi-run");
    EXPECT_EQ(outcome.evaluation_pairs, multi_run::evaluation_pairs(specs[index].bits));
    if (outcome.reached) {
      EXPECT_EQ(outcome.final_exact, outcome.evaluation_pairs);
      EXPECT_EQ(outcome.final_bit_accuracy, std::optional<double>(1.0));
      EXPECT_TRUE(outcome.final_loss.has_value());
    }
    EXPECT_EQ(outcome.steps_done % 10 == 0 || outcome.steps_done == specs[index].steps, true);
    std::printf(
        "run %zu: %s after %lld steps, %llu of %llu exact, %lld checks, %lld confirmed "
        "without the audit\n",
        index, outcome.reached ? "reached" : "not reached",
        static_cast<long long>(outcome.steps_done),
        static_cast<unsigned long long>(outcome.final_exact),
        static_cast<unsigned long long>(outcome.evaluation_pairs),
        static_cast<long long>(outcome.checks),
        static_cast<long long>(normal.outcomes.at(index).confirmations));
  }
  EXPECT_EQ(audited.totals.confirmations, checks);
  EXPECT_TRUE(audited.outcomes.at(0).reached) << "H 16 learns within 1500 steps";
}

// run_training, checking every 10 steps with the float64 evaluate(), on the block program one
// step per launch (ModelStepper), stops exactly where the engine does.
TEST(MultiRunEngine, StopsWhereRunTrainingStops) {
  const std::vector<TrainConfig> specs = {run_of(8, 8, 32, 4, 400), run_of(12, 5, 40, 5, 400)};
  Options options;
  options.steps_per_launch = 100;
  const EngineRun engine = run_engine(specs, options);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const TrainConfig& config = specs[i];
    testing::ModelStepper stepper(
        config,
        numpy_initial_parameters(static_cast<std::uint32_t>(specs[i].seed), specs[i].hidden));
    const TrainingOutcome alone = run_training(stepper, config, 0, TrainingHooks{});
    const RunOutcome& outcome = engine.outcomes.at(i);
    EXPECT_EQ(outcome.reached, alone.target_reached) << "run " << i;
    EXPECT_EQ(outcome.steps_done, alone.steps_done) << "run " << i;
    EXPECT_EQ(outcome.final_exact, alone.final_evaluation.exact_correct) << "run " << i;
    EXPECT_EQ(flatten(outcome.weights), flatten(stepper.parameters())) << "run " << i;
    std::printf("run %zu: %s after %lld steps\n", i, outcome.reached ? "reached" : "not reached",
                static_cast<long long>(outcome.steps_done));
  }
  EXPECT_TRUE(engine.outcomes.at(0).reached) << "a run that stops early, not only at its end";
}

// A run's records after 25 steps (two checks) are the same alone, first, or among others in any
// order of the launch's blocks, and on a rerun.
TEST(MultiRunEngine, RunsAreIndependentOfTheirLaunch) {
  const int hidden = 8;
  const int bits = 6;
  const int threads = multi_run::threads_for(hidden, bits, 32);
  const int W = multi_run::weight_count(hidden);
  struct Records {
    std::vector<RunDescriptor> runs;
    std::vector<RunState> states;
    std::vector<float> weights;
  };
  auto fresh = [&] {
    Records records;
    for (std::int64_t seed = 10; seed < 14; ++seed) {
      RunDescriptor run;
      run.seed = static_cast<std::uint64_t>(seed);
      run.batch = 20 + seed;
      run.max_steps = 1000;
      run.check_every = 10;
      run.lr = 3.0f;
      run.needed = multi_run::evaluation_pairs(bits);
      records.runs.push_back(run);
      records.states.emplace_back();
      const std::vector<float> w =
          device_weights(numpy_initial_parameters(static_cast<std::uint32_t>(seed), hidden));
      records.weights.insert(records.weights.end(), w.begin(), w.end());
    }
    return records;
  };
  auto advance = [&](Records& records, const std::vector<std::int32_t>& active) {
    multi_run::LaunchArgs args;
    args.runs = records.runs.data();
    args.states = records.states.data();
    args.weights = records.weights.data();
    args.active = active.data();
    args.steps = 25;
    args.bits = bits;
    args.threads = threads;
    testing::run_launch_on_cpu(hidden, args, static_cast<std::int64_t>(active.size()));
  };
  std::vector<std::vector<std::int32_t>> launches = {{2}, {0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0}, {2}};
  std::vector<Records> results;
  for (const auto& active : launches) {
    results.push_back(fresh());
    advance(results.back(), active);
  }
  const auto weights_of = [&](const Records& r) {
    return std::vector<float>(r.weights.begin() + 2 * W, r.weights.begin() + 3 * W);
  };
  for (std::size_t l = 1; l < results.size(); ++l) {
    const RunState& a = results[0].states[2];
    const RunState& b = results[l].states[2];
    EXPECT_EQ(std::memcmp(&a, &b, sizeof(RunState)), 0) << "launch " << l;
    EXPECT_EQ(weights_of(results[0]), weights_of(results[l])) << "launch " << l;
  }
  EXPECT_EQ(results[0].states[2].steps_done, 25);
  EXPECT_EQ(results[0].states[2].checks, 2);
  EXPECT_EQ(results[1].states[0].steps_done, 25);
  EXPECT_EQ(results[0].states[0].steps_done, 0) << "run 0 was not in the launch";
}

TEST(MultiRunEngine, AForcedUncertaintyGoesToTheHostAndChangesNothing) {
  const std::vector<TrainConfig> specs = {run_of(8, 5, 32, 6, 400)};
  Options forced;
  forced.margin_floor = 1.0f;
  forced.steps_per_launch = 50;
  const EngineRun host_decides = run_engine(specs, forced);
  Options plain;
  plain.steps_per_launch = 50;
  const EngineRun normal = run_engine(specs, plain);
  expect_same_runs(host_decides, normal, "forced uncertainty");
  const RunOutcome& outcome = host_decides.outcomes.at(0);
  EXPECT_EQ(outcome.confirmations, outcome.checks);
  EXPECT_GT(outcome.checks, 1);
  EXPECT_EQ(host_decides.totals.disagreements, 0);
}

TEST(MultiRunEngine, ReportsEveryRunOnceAndFallsBackWhereNoKernelIs) {
  std::vector<TrainConfig> specs = {run_of(7, 6, 32, 1, 30), run_of(8, 6, 32, 2, 30),
                                    run_of(8, 14, 32, 3, 30), run_of(8, 6, 32, 4, 0),
                                    run_of(7, 6, 32, 5, 30)};
  specs[1].until_accuracy = 0.0;  // runs all its steps; its last check counts
  std::vector<std::size_t> alone;
  const RunAlone fake = [&](const TrainConfig& s) {
    alone.push_back(static_cast<std::size_t>(s.seed));
    RunOutcome outcome;
    outcome.engine = "fallback";
    return outcome;
  };
  Options options;
  const EngineRun result = run_engine(specs, options, fake);
  EXPECT_EQ(result.outcomes.size(), specs.size());
  EXPECT_EQ(alone, (std::vector<std::size_t>{1, 3, 5}));
  EXPECT_EQ(result.totals.runs_per_run, 3);
  EXPECT_EQ(result.totals.runs_on_kernel, 2);
  ASSERT_EQ(result.totals.notes.size(), 2u) << "one note per shape";
  EXPECT_NE(result.totals.notes[0].find("H 7, T 6"), std::string::npos);
  EXPECT_NE(result.totals.notes[1].find("H 8, T 14"), std::string::npos);
  const RunOutcome& all_steps = result.outcomes.at(1);
  EXPECT_EQ(all_steps.steps_done, 30);
  EXPECT_FALSE(all_steps.reached);
  EXPECT_EQ(all_steps.checks, 3) << "after steps 10, 20 and 30, as run_training reports";
  const Evaluation all_steps_host = evaluate(all_steps.weights, 6, 1);
  EXPECT_EQ(all_steps.final_exact, all_steps_host.exact_correct);
  ASSERT_TRUE(all_steps.final_bit_accuracy.has_value()) << "the last walk counts every bit";
  EXPECT_EQ(*all_steps.final_bit_accuracy, all_steps_host.bit_accuracy());
  ASSERT_TRUE(all_steps.final_loss.has_value());
  EXPECT_NEAR(*all_steps.final_loss, host_pairs_loss(all_steps.weights, 6) / 1024,
              kLossTolerance * *all_steps.final_loss);
  const RunOutcome& no_steps = result.outcomes.at(3);
  EXPECT_EQ(no_steps.steps_done, 0);
  EXPECT_EQ(no_steps.checks, 0);
  EXPECT_EQ(no_steps.confirmations, 1);
  EXPECT_EQ(flatten(no_steps.weights),
            flatten(parameters_from_device(device_weights(numpy_initial_parameters(4, 8)), 8)));
  EXPECT_THROW(run_engine({run_of(8, 6, 0, 1)}, options), UserError);
  TrainConfig negative = run_of(8, 6, 32, 1);
  negative.report_every = 0;
  EXPECT_THROW(run_engine({negative}, options), UserError);
}

TEST(MultiRunEngine, StopsBetweenLaunchesWhenAsked) {
  const std::vector<TrainConfig> specs = {run_of(4, 5, 8, 1, 500), run_of(4, 5, 8, 2, 500)};
  Options options;
  options.steps_per_launch = 20;
  int polls = 0;
  const EngineRun result = run_engine(specs, options, {}, [&] { return ++polls > 2; });
  EXPECT_TRUE(result.totals.interrupted);
  EXPECT_EQ(result.totals.launches, 2);
  for (const auto& [index, outcome] : result.outcomes) {
    EXPECT_LE(outcome.steps_done, 40) << "run " << index << " finished early";
  }
}

TEST(MultiRunEngine, ADivergedRunStopsAsRunTrainingsGuardWould) {
  TrainConfig diverging = run_of(8, 6, 32, 1, 100);
  diverging.lr = 1e30;
  const EngineRun result = run_engine({diverging}, Options{});
  const RunOutcome& outcome = result.outcomes.at(0);
  EXPECT_TRUE(outcome.diverged);
  EXPECT_FALSE(outcome.reached);
  EXPECT_EQ(outcome.steps_done, 1);
}

}  // namespace
}  // namespace carry
