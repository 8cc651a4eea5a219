// train_command.cpp: `carry train`, batched training on a backend, or --seed-compat, the seed
// program's own run and printout.
#include <cstdio>
#include <iostream>
#include <memory>

#include "carry/atomic_file.hpp"
#include "carry/checkpoint.hpp"
#include "carry/errors.hpp"
#include "carry/seed_compat.hpp"
#include "carry/training_loop.hpp"
#include "cli/cli_support.hpp"
#include "cli/commands.hpp"

namespace carry::cli {

namespace {

struct TrainOptions {
  TrainConfig config;
  std::string save_path;
  bool quiet = false;
  bool seed_compat = false;
  // Options --seed-compat cannot honour, to refuse them when given.
  std::vector<CLI::Option*> batched_only;
  CLI::Option* lr_option = nullptr;
  CLI::Option* steps_option = nullptr;
};

void print_report(const TrainingReport& report) {
  std::printf(
      "step %7lld  samples %10lld  loss %.4f  exact %7s  %9.3g samples/s  %s\n",
      static_cast<long long>(report.steps_done), static_cast<long long>(report.samples_seen),
      report.mean_loss, format_percent(report.exact_accuracy).c_str(), report.samples_per_s,
      format_example(report.last_step.example, report.last_step.example_prediction).c_str());
  std::fflush(stdout);
}

std::string describe_set(const EvaluationSet& set) {
  if (set.exhaustive) {
    return "all " + std::to_string(set.size) + " " + std::to_string(set.bits) + "-bit pairs";
  }
  return "a fixed sample of " + std::to_string(set.size) + " " + std::to_string(set.bits) +
         "-bit pairs";
}

Checkpoint make_checkpoint(const TrainConfig& config, Parameters params, std::int64_t steps_done,
                           const std::string& backend, bool seed_compat) {
  Checkpoint checkpoint;
  checkpoint.bits = config.bits;
  checkpoint.lr = config.lr;
  checkpoint.batch = config.batch;
  checkpoint.seed = config.seed;
  checkpoint.steps_done = steps_done;
  checkpoint.backend = backend;
  checkpoint.seed_compat = seed_compat;
  checkpoint.params = std::move(params);
  return checkpoint;
}

void run_seed_compat_training(TrainOptions& options) {
  for (const CLI::Option* option : options.batched_only) {
    if (option->count() > 0) {
      throw UserError(option->get_name() +
                      " cannot be combined with --seed-compat (it runs the "
                      "seed's batch-1, 8-bit reference loop)");
    }
  }
  TrainConfig& config = options.config;
  if (config.backend != "auto" && config.backend != "reference") {
    throw UserError("--seed-compat runs on the reference backend only (got --backend " +
                    config.backend + ")");
  }
  // The seed's own values, unless given.
  if (options.lr_option->count() == 0) config.lr = 0.1;
  if (options.steps_option->count() == 0) config.steps = 10000;
  config.batch = 1;
  config.bits = kSeedCompatBits;
  validate(config);
  if (!options.save_path.empty()) check_writable(options.save_path);

  SeedCompatConfig seed_config;
  seed_config.seed = static_cast<std::uint32_t>(config.seed);
  seed_config.hidden = config.hidden;
  seed_config.lr = config.lr;
  seed_config.steps = config.steps;
  const Parameters params = run_seed_compat(seed_config, std::cout);
  std::cout.flush();
  if (!options.save_path.empty()) {
    save_checkpoint(options.save_path,
                    make_checkpoint(config, params, config.steps, "reference", true));
    // stderr, so that stdout stays exactly the seed's printout.
    std::cerr << "checkpoint saved to " << options.save_path << "\n";
  }
}

void run_batched_training(TrainOptions& options) {
  TrainConfig& config = options.config;
  validate(config);
  config.backend = resolve_backend(config.backend);
  if (!options.save_path.empty()) check_writable(options.save_path);
  const Parameters initial =
      numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden);
  const std::unique_ptr<Trainer> trainer = make_trainer(config, initial);

  if (!options.quiet) {
    std::printf(
        "training on %s: %d bits, %d hidden, batch %lld, lr %g, seed %lld, up to %lld steps",
        trainer->backend_name().c_str(), config.bits, config.hidden,
        static_cast<long long>(config.batch), config.lr, static_cast<long long>(config.seed),
        static_cast<long long>(config.steps));
    if (config.until_accuracy > 0) {
      std::printf(", until %s exact", format_percent(config.until_accuracy).c_str());
    }
    std::printf("\n");
  }
  const auto report = options.quiet ? std::function<void(const TrainingReport&)>()
                                    : std::function<void(const TrainingReport&)>(print_report);
  const TrainingOutcome outcome = run_training(*trainer, config, 0, report);

  const Evaluation& final_evaluation = outcome.final_evaluation;
  std::printf("%s %s exact-match accuracy on %s after %lld steps (%lld samples)\n",
              outcome.target_reached ? "reached" : "final",
              format_percent(final_evaluation.exact_accuracy()).c_str(),
              describe_set(final_evaluation.set).c_str(),
              static_cast<long long>(outcome.steps_done),
              static_cast<long long>(outcome.steps_done * config.batch));
  std::printf("wall time: training %.3f s, evaluation %.3f s\n", outcome.training_seconds,
              outcome.evaluation_seconds);
  if (options.save_path.empty()) {
    std::printf("checkpoint not saved (use --save PATH)\n");
  } else {
    save_checkpoint(options.save_path,
                    make_checkpoint(config, trainer->parameters(), outcome.steps_done,
                                    trainer->backend_name(), false));
    std::printf("checkpoint saved to %s\n", options.save_path.c_str());
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  TrainConfig& c = options->config;
  CLI::App* train = app.add_subcommand("train", "Train the network and report its accuracy");
  train
      ->add_option(
          "--backend", c.backend,
          "auto (cuda with a usable GPU, else cpu, else reference), cuda, cpu or reference")
      ->capture_default_str();
  train
      ->add_option(
          "--kernel", c.kernel,
          "cuda kernels: chain (per-position kernels, the default) or fused (one kernel a step, "
          "unverified on hardware)")
      ->capture_default_str();
  auto* bits =
      train->add_option("--bits", c.bits, "Bits per problem, 2..32")->capture_default_str();
  train->add_option("--hidden", c.hidden, "Hidden units, 1..256")->capture_default_str();
  auto* batch =
      train->add_option("--batch", c.batch, "Problems per SGD step")->capture_default_str();
  options->lr_option =
      train->add_option("--lr", c.lr, "Learning rate (the step uses the batch's mean gradient)")
          ->capture_default_str();
  options->steps_option =
      train->add_option("--steps", c.steps, "Most SGD steps to run")->capture_default_str();
  train->add_option("--seed", c.seed, "Seed for the weights and the batches, 0..2^32-1")
      ->capture_default_str();
  auto* report_every =
      train->add_option("--report-every", c.report_every, "Steps between report lines")
          ->capture_default_str();
  auto* until = train
                    ->add_option("--until-accuracy", c.until_accuracy,
                                 "Stop once exact-match accuracy reaches this (0 = never)")
                    ->capture_default_str();
  auto* threads = train->add_option("--threads", c.threads, "cpu backend threads (0 = all cores)")
                      ->capture_default_str();
  train->add_option("--save", options->save_path, "Write the checkpoint here (atomically)");
  auto* quiet = train->add_flag("--quiet", options->quiet, "Only the final summary");
  train->add_flag(
      "--seed-compat", options->seed_compat,
      "Run the seed program exactly: batch 1, 8 bits, numpy's random stream, its printout");
  options->batched_only = {bits, batch, report_every, until, quiet, threads};
  train->callback([options] {
    if (options->seed_compat) {
      run_seed_compat_training(*options);
    } else {
      run_batched_training(*options);
    }
  });
}

}  // namespace carry::cli
