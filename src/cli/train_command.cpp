// train_command.cpp: `carry train`, batched training on a backend, or --seed-compat, the seed
// program's own run and printout. A batched run can resume from its checkpoint, save it every N
// steps, stops cleanly on SIGINT/SIGTERM/SIGHUP, and stops with exit status 3 if it diverges. On
// cuda it first checks the run's first step against the float64 reference (self_check.hpp).
// Its checkpoint file is locked for the run (a second run on it refuses), and a checkpoint that
// cannot be written at the end goes to a rescue file (exit status 4). A closed standard output
// stops the report lines, not the run.
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
#include "carry/run_lock.hpp"
#include "carry/seed_compat.hpp"
#include "carry/self_check.hpp"
#include "carry/signal_guard.hpp"
#include "carry/training_loop.hpp"
#include "checkpoint_rescue.hpp"
#include "cli_support.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "output.hpp"
#include "train_options.hpp"
#include "typed_options.hpp"

namespace carry::cli {

namespace {

// Report lines stop once standard output is gone (a closed pipe); the run goes on.
void print_report(const TrainingReport& report) {
  if (!standard_output_ok()) return;
  std::printf(
      "step %7lld  samples %10lld  loss %.4f  exact %7s  %9.3g samples/s  %s\n",
      static_cast<long long>(report.steps_done), static_cast<long long>(report.samples_seen),
      report.mean_loss, format_percent(report.exact_accuracy).c_str(), report.samples_per_s,
      format_example(report.last_step.example, report.last_step.example_prediction).c_str());
  flush_standard_output();
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
  std::optional<RunLock> lock;
  if (!options.save_path.empty()) {
    check_writable(options.save_path);
    lock.emplace(options.save_path);
  }

  SeedCompatConfig seed_config;
  seed_config.seed = static_cast<std::uint32_t>(config.seed);
  seed_config.hidden = config.hidden;
  seed_config.lr = config.lr;
  seed_config.steps = config.steps;
  Parameters params;
  try {
    params = run_seed_compat(seed_config, std::cout);
  } catch (const DivergenceError& error) {
    flush_standard_output();
    const std::string note =
        options.save_path.empty() ? "" : "; " + options.save_path + " was left as it was";
    throw DivergenceError(error.steps_done(), error.what() + note);
  }
  flush_standard_output();
  if (!options.save_path.empty()) {
    config.backend = "reference";
    Checkpoint checkpoint = checkpoint_of_run(config, params, config.steps);
    checkpoint.seed_compat = true;
    const SavedCheckpoint saved = save_or_rescue(options.save_path, checkpoint);
    if (saved.rescued()) {
      std::cerr << "carry: error: " << saved.problem << "; the checkpoint was saved to "
                << saved.path << " instead" << std::endl;
      throw ExitRequest(kExitSavedElsewhere);
    }
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

std::string continue_note(const std::string& path) {
  return " (continue with: carry train --resume " + path + ")";
}

// Saves the checkpoint of a run stopped by a signal, says so, and exits 128 + the signal, or 4
// when the checkpoint had to go to a rescue file.
[[noreturn]] void finish_interrupted(const TrainOptions& options, const TrainConfig& config,
                                     const Trainer& trainer, std::int64_t steps_done, int signal) {
  flush_standard_output();
  std::string note = "nothing was saved (use --save PATH)";
  int status = exit_status_for_signal(signal);
  if (!options.save_path.empty()) {
    const Parameters params = trainer.parameters();
    // A queued backend's last steps have not met the divergence guard yet.
    check_weights_not_diverged(steps_done, largest_magnitude(params), config.lr);
    const SavedCheckpoint saved =
        save_or_rescue(options.save_path, checkpoint_of_run(config, params, steps_done));
    note = saved.rescued() ? saved.problem + "; checkpoint saved to " + saved.path + " instead"
                           : "checkpoint saved to " + saved.path;
    note += continue_note(saved.path);
    if (saved.rescued()) status = kExitSavedElsewhere;
  }
  std::cerr << "carry: stopped by " << signal_name(signal) << " after step " << steps_done << "; "
            << note << std::endl;
  throw ExitRequest(status);
}

// A periodic save that cannot be written does not end the run: the final save tries again and
// has a rescue file. Said once on stderr until a save works again.
class PeriodicSaves {
 public:
  PeriodicSaves(const TrainOptions& options, const TrainConfig& config)
      : periodic_(options.save_path, options.checkpoint_every, config) {}

  void after_step(const Trainer& trainer, std::int64_t steps_done) {
    try {
      periodic_.after_step(trainer, steps_done);
      if (periodic_.last_saved_step() == steps_done) failing_ = false;  // a save worked again
    } catch (const WriteError& error) {
      if (!failing_) {
        std::cerr << "carry: warning: " << error.what() << " at step " << steps_done
                  << "; training goes on, and the final save will try again" << std::endl;
      }
      failing_ = true;
    }
  }
  const PeriodicCheckpoint& periodic() const { return periodic_; }

 private:
  PeriodicCheckpoint periodic_;
  bool failing_ = false;
};

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
  std::optional<RunLock> lock;  // held until the run has saved for the last time
  if (!options.save_path.empty()) {
    check_writable(options.save_path);
    lock.emplace(options.save_path);
  }
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

  if (!options.quiet && standard_output_ok()) {
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
    const EvaluationSet report_set = report_evaluation_set(config.bits);
    if (report_set.size != evaluation_set(config.bits).size) {
      std::printf(
          "reports: exact match on a fixed sample of %llu pairs; the final figure on the whole "
          "evaluation set\n",
          static_cast<unsigned long long>(report_set.size));
    }
    if (resumed && config.lr != resumed->lr) {
      std::printf(
          "note: lr %g replaces the checkpoint's %g, so the run no longer matches one "
          "that was never stopped\n",
          config.lr, resumed->lr);
    }
    flush_standard_output();  // whoever watches the output sees the run start
  }
  PeriodicSaves periodic(options, config);
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
    flush_standard_output();
    throw DivergenceError(error.steps_done(),
                          error.what() + diverged_checkpoint_note(options, periodic.periodic()));
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
    check_standard_output();
    return;
  }
  const SavedCheckpoint saved = save_or_rescue(
      options.save_path, checkpoint_of_run(config, trainer->parameters(), outcome.steps_done));
  if (saved.rescued()) {
    flush_standard_output();
    std::cerr << "carry: error: " << saved.problem << "; the checkpoint was saved to " << saved.path
              << " instead" << continue_note(saved.path) << std::endl;
    throw ExitRequest(kExitSavedElsewhere);
  }
  std::printf("checkpoint saved to %s\n", saved.path.c_str());
  check_standard_output("the checkpoint was saved to " + saved.path);
}

}  // namespace

void add_train_options(CLI::App* train, TrainOptions* options) {
  TrainConfig& c = options->config;
  auto* backend =
      add_choice(train, "--backend", c.backend, backend_names(),
                 "auto (cuda with a usable GPU, else cpu, else reference), cuda, cpu or reference");
  auto* kernel = add_choice(train, "--kernel", c.kernel, cuda_kernel_names(), kCudaKernelHelp);
  options->bits_option =
      add_integer(train, "--bits", c.bits, {kMinBits, kMaxTrainBits}, "Bits per problem");
  auto* hidden = add_integer(train, "--hidden", c.hidden, {1, kMaxHidden}, "Hidden units");
  options->batch_option = add_integer(train, "--batch", c.batch, {1, kMaxBatch},
                                      "Problems per SGD step (and what memory allows)");
  options->lr_option = add_real(train, "--lr", c.lr, kAboveZero,
                                "Learning rate (the step uses the batch's mean gradient)");
  options->steps_option = add_integer(train, "--steps", c.steps, {0}, "Most SGD steps to run");
  auto* seed =
      add_integer(train, "--seed", c.seed, {0, kMaxSeed}, "Seed for the weights and the batches");
  auto* report_every =
      add_integer(train, "--report-every", c.report_every, {1}, "Steps between report lines");
  auto* until = add_real(train, "--until-accuracy", c.until_accuracy, {0.0, true, 1.0, true},
                         "Stop once exact-match accuracy reaches this (0 = never)");
  auto* threads = add_integer(train, "--threads", c.threads, {0, kMaxThreads},
                              "cpu backend threads (0 = all cores)");
  add_path(train, "--save", options->save_path, "Write the checkpoint here (atomically)");
  auto* resume = add_path(
      train, "--resume", options->resume_path,
      "Continue the run saved in this checkpoint for --steps more steps (its bits, hidden, batch "
      "and seed are kept)");
  options->checkpoint_every_option =
      add_integer(train, "--checkpoint-every", options->checkpoint_every, {1},
                  "Also save the checkpoint every N steps (needs --save)");
  options->checkpoint_every_option->default_str("");
  auto* quiet = train->add_flag("--quiet", options->quiet, "Only the final summary");
  auto* no_self_check = train->add_flag(
      "--no-self-check", options->no_self_check,
      "Skip the cuda backend's check of its first step against the float64 reference");
  train->add_flag(
      "--seed-compat", options->seed_compat,
      "Run the seed program exactly: batch 1, 8 bits, numpy's random stream, its printout");
  options->batched_only = {kernel,  report_every, until,         quiet,
                           threads, resume,       no_self_check, options->checkpoint_every_option};
  options->run_defining = {
      backend, options->bits_option, hidden, options->batch_option, options->lr_option, seed};
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
