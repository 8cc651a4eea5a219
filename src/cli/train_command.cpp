// train_command.cpp: `carry train`, batched training on a backend, or --seed-compat, the seed
// program's own run and printout. A batched run can resume from its checkpoint, save it every N
// steps, stops cleanly on SIGINT/SIGTERM, and stops with exit status 3 if it diverges. On cuda it
// first checks the run's first step against the float64 reference (self_check.hpp).
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "carry/atomic_file.hpp"
#include "carry/backends.hpp"
#include "carry/checkpoint.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/divergence.hpp"
#include "carry/errors.hpp"
#include "carry/memory_budget.hpp"
#include "carry/periodic_checkpoint.hpp"
#include "carry/resume.hpp"
#include "carry/seed_compat.hpp"
#include "carry/self_check.hpp"
#include "carry/signal_guard.hpp"
#include "carry/training_loop.hpp"
#include "cli_support.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "strict_numbers.hpp"
#include "train_options.hpp"

namespace carry::cli {

namespace {

void print_report(const TrainingReport& report) {
  std::printf(
      "step %7lld  samples %10lld  loss %.4f  exact %7s  %9.3g samples/s  %s\n",
      static_cast<long long>(report.steps_done), static_cast<long long>(report.samples_seen),
      report.mean_loss, format_percent(report.exact_accuracy).c_str(), report.samples_per_s,
      format_example(report.last_step.example, report.last_step.example_prediction).c_str());
  std::fflush(stdout);
}

void print_self_check(const SelfCheckResult& check) {
  std::printf(
      "self-check: step %llu on %lld problems agrees with the float64 reference (largest error "
      "%.3g of its tolerance), %.3f s\n",
      static_cast<unsigned long long>(check.step), static_cast<long long>(check.samples),
      check.check.worst_ratio(), check.seconds);
}

std::string describe_set(const EvaluationSet& set) {
  if (set.exhaustive) {
    return "all " + std::to_string(set.size) + " " + std::to_string(set.bits) + "-bit pairs";
  }
  return "a fixed sample of " + std::to_string(set.size) + " " + std::to_string(set.bits) +
         "-bit pairs";
}

void run_seed_compat_training(TrainOptions& options) {
  check_option_combinations(options);
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
  validate_run(config);
  if (!options.save_path.empty()) check_writable(options.save_path);

  SeedCompatConfig seed_config;
  seed_config.seed = static_cast<std::uint32_t>(config.seed);
  seed_config.hidden = config.hidden;
  seed_config.lr = config.lr;
  seed_config.steps = config.steps;
  const Parameters params = run_seed_compat(seed_config, std::cout);
  std::cout.flush();
  if (!options.save_path.empty()) {
    config.backend = "reference";
    Checkpoint checkpoint = checkpoint_of_run(config, params, config.steps);
    checkpoint.seed_compat = true;
    save_checkpoint(options.save_path, checkpoint);
    // stderr, so that stdout stays exactly the seed's printout.
    std::cerr << "checkpoint saved to " << options.save_path << "\n";
  }
}

// Where the checkpoint of a diverged run stands (its weights are never saved).
std::string diverged_checkpoint_note(const TrainOptions& options,
                                     const PeriodicCheckpoint& periodic) {
  if (options.save_path.empty()) return "";
  if (periodic.last_saved_step() < 0) return "; " + options.save_path + " was left as it was";
  return "; " + options.save_path + " keeps step " + std::to_string(periodic.last_saved_step());
}

// Saves the checkpoint of a run stopped by a signal, says so, and exits 128 + the signal.
[[noreturn]] void finish_interrupted(const TrainOptions& options, const TrainConfig& config,
                                     const Trainer& trainer, std::int64_t steps_done, int signal) {
  std::fflush(stdout);
  std::string note = "nothing was saved (use --save PATH)";
  if (!options.save_path.empty()) {
    const Parameters params = trainer.parameters();
    // A queued backend's last steps have not met the divergence guard yet.
    check_weights_not_diverged(steps_done, largest_magnitude(params), config.lr);
    save_checkpoint(options.save_path, checkpoint_of_run(config, params, steps_done));
    note = "checkpoint saved to " + options.save_path + " (continue with: carry train --resume " +
           options.save_path + ")";
  }
  std::cerr << "carry: stopped by " << signal_name(signal) << " after step " << steps_done << "; "
            << note << std::endl;
  throw ExitRequest(exit_status_for_signal(signal));
}

void run_batched_training(TrainOptions& options) {
  check_option_combinations(options);
  TrainConfig& config = options.config;
  std::optional<Checkpoint> resumed;
  if (!options.resume_path.empty()) {
    resumed = load_checkpoint(options.resume_path);
    config = config_to_resume(*resumed, options.resume_path, config, given_run_options(options),
                              available_backends());
  }
  const std::int64_t first_step = resumed ? resumed->steps_done : 0;
  validate_run(config);
  const std::string requested_backend = config.backend;
  config.backend = resolve_backend(config.backend);
  check_run_length(config, first_step);
  check_batch_fits(config, training_memory_need(config), available_memory_bytes());
  if (!options.save_path.empty()) check_writable(options.save_path);
  const Parameters initial =
      resumed ? resumed->params
              : numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden);
  // On cuda, the first step is checked against the float64 reference before the run starts.
  CheckedTrainer checked = make_checked_trainer(
      config, requested_backend, initial, static_cast<std::uint64_t>(first_step),
      !options.no_self_check,
      [](const TrainConfig& c, const Parameters& p) { return make_trainer(c, p); });
  if (!checked.warning.empty()) {
    std::fflush(stdout);
    std::cerr << "carry: warning: " << checked.warning << std::endl;
  }
  const std::unique_ptr<Trainer> trainer = std::move(checked.trainer);
  // From the moment the run is announced, a signal stops it cleanly.
  const StopSignalGuard signals;

  if (!options.quiet) {
    std::printf("training on %s", trainer->backend_name().c_str());
    if (resumed) {
      std::printf(" from %s at step %lld", options.resume_path.c_str(),
                  static_cast<long long>(first_step));
    }
    std::printf(": %d bits, %d hidden, batch %lld, lr %g, seed %lld, up to %lld %ssteps",
                config.bits, config.hidden, static_cast<long long>(config.batch), config.lr,
                static_cast<long long>(config.seed), static_cast<long long>(config.steps),
                resumed ? "more " : "");
    if (config.until_accuracy > 0) {
      std::printf(", until %s exact", format_percent(config.until_accuracy).c_str());
    }
    std::printf("\n");
    if (checked.check && checked.check->passed) print_self_check(*checked.check);
    if (resumed && config.lr != resumed->lr) {
      std::printf(
          "note: lr %g replaces the checkpoint's %g, so the run no longer matches one "
          "that was never stopped\n",
          config.lr, resumed->lr);
    }
    std::fflush(stdout);  // whoever watches the output sees the run start
  }
  PeriodicCheckpoint periodic(options.save_path, options.checkpoint_every, config);
  TrainingHooks hooks;
  if (!options.quiet) hooks.on_report = print_report;
  hooks.after_step = [&](std::int64_t steps_done) { periodic.after_step(*trainer, steps_done); };
  hooks.stop_requested = [&] { return signals.stop_requested(); };
  TrainingOutcome outcome;
  try {
    outcome = run_training(*trainer, config, first_step, hooks);
    if (outcome.interrupted) {
      finish_interrupted(options, config, *trainer, outcome.steps_done, signals.signal_number());
    }
  } catch (const DivergenceError& error) {
    std::fflush(stdout);
    throw DivergenceError(error.steps_done(),
                          error.what() + diverged_checkpoint_note(options, periodic));
  }

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
                    checkpoint_of_run(config, trainer->parameters(), outcome.steps_done));
    std::printf("checkpoint saved to %s\n", options.save_path.c_str());
  }
}

}  // namespace

void add_train_options(CLI::App* train, TrainOptions* options) {
  TrainConfig& c = options->config;
  auto* backend =
      train
          ->add_option(
              "--backend", c.backend,
              "auto (cuda with a usable GPU, else cpu, else reference), cuda, cpu or reference")
          ->capture_default_str();
  train->add_option("--kernel", c.kernel, kCudaKernelHelp)->capture_default_str();
  auto* bits =
      train->add_option("--bits", c.bits, "Bits per problem, 2..32")->capture_default_str();
  auto* hidden =
      train->add_option("--hidden", c.hidden, "Hidden units, 1..256")->capture_default_str();
  auto* batch =
      train->add_option("--batch", c.batch, "Problems per SGD step")->capture_default_str();
  options->lr_option =
      train->add_option("--lr", c.lr, "Learning rate (the step uses the batch's mean gradient)")
          ->capture_default_str();
  options->steps_option =
      train->add_option("--steps", c.steps, "Most SGD steps to run")->capture_default_str();
  auto* seed =
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
  auto* resume = train->add_option(
      "--resume", options->resume_path,
      "Continue the run saved in this checkpoint for --steps more steps (its bits, hidden, batch "
      "and seed are kept)");
  options->checkpoint_every_option =
      train->add_option("--checkpoint-every", options->checkpoint_every,
                        "Also save the checkpoint every N steps (needs --save)");
  auto* quiet = train->add_flag("--quiet", options->quiet, "Only the final summary");
  auto* no_self_check = train->add_flag(
      "--no-self-check", options->no_self_check,
      "Skip the cuda backend's check of its first step against the float64 reference");
  train->add_flag(
      "--seed-compat", options->seed_compat,
      "Run the seed program exactly: batch 1, 8 bits, numpy's random stream, its printout");
  options->batched_only = {bits,   batch,         report_every,
                           until,  quiet,         threads,
                           resume, no_self_check, options->checkpoint_every_option};
  options->run_defining = {backend, bits, hidden, batch, options->lr_option, seed};
  require_decimal_integers(train, {"--bits", "--hidden", "--batch", "--steps", "--seed",
                                   "--report-every", "--checkpoint-every", "--threads"});
  require_real_numbers(train, {"--lr", "--until-accuracy"});
}

void add_train_command(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  CLI::App* train = app.add_subcommand("train", "Train the network and report its accuracy");
  add_train_options(train, options.get());
  train->callback([options] {
    if (options->seed_compat) {
      run_seed_compat_training(*options);
    } else {
      run_batched_training(*options);
    }
  });
}

}  // namespace carry::cli
