// signal_guard_test.cpp: SIGINT/SIGTERM become a stop request the training loop honours after
// the current step; a second signal ends the process at once with 128 + its number.
#include "carry/signal_guard.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include "carry/backends.hpp"
#include "carry/parameters.hpp"
#include "carry/training_loop.hpp"

namespace carry {
namespace {

TEST(StopSignalGuard, TheFirstSignalOnlyAsksToStop) {
  {
    const StopSignalGuard guard;
    EXPECT_FALSE(guard.stop_requested());
    ::raise(SIGTERM);
    EXPECT_TRUE(guard.stop_requested());
    EXPECT_EQ(guard.signal_number(), SIGTERM);
  }
  const StopSignalGuard next;  // the flag does not outlive its guard
  EXPECT_FALSE(next.stop_requested());
}

TEST(StopSignalGuard, RestoresTheHandlersItReplaced) {
  struct sigaction before {};
  ::sigaction(SIGINT, nullptr, &before);
  { const StopSignalGuard guard; }
  struct sigaction after {};
  ::sigaction(SIGINT, nullptr, &after);
  EXPECT_EQ(before.sa_handler, after.sa_handler);
}

TEST(StopSignalGuard, OnlyOneAtATime) {
  const StopSignalGuard guard;
  EXPECT_THROW(StopSignalGuard second, std::logic_error);
}

TEST(StopSignalGuard, ExitStatusesFollowTheShell) {
  EXPECT_EQ(exit_status_for_signal(SIGINT), 130);
  EXPECT_EQ(exit_status_for_signal(SIGTERM), 143);
  EXPECT_STREQ(signal_name(SIGINT), "SIGINT");
  EXPECT_STREQ(signal_name(SIGTERM), "SIGTERM");
}

TEST(StopSignalGuardDeathTest, ASecondSignalExitsAtOnce) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        const StopSignalGuard guard;
        ::raise(SIGINT);
        ::raise(SIGINT);
        std::_Exit(0);  // not reached
      },
      ::testing::ExitedWithCode(130), "second interrupt, exiting at once without saving");
  EXPECT_EXIT(
      {
        const StopSignalGuard guard;
        ::raise(SIGINT);
        ::raise(SIGTERM);
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(143), "second interrupt");
}

TEST(StopSignalGuard, TrainingFinishesTheStepThenStops) {
  TrainConfig config;
  config.backend = "reference";
  config.steps = 1000;
  config.report_every = 1;
  config.until_accuracy = 0.0;
  const auto trainer = make_trainer(config, numpy_initial_parameters(0u, config.hidden));
  const StopSignalGuard guard;
  int reports = 0;
  TrainingHooks hooks;
  hooks.on_report = [&](const TrainingReport&) { ++reports; };
  hooks.after_step = [](std::int64_t steps_done) {
    if (steps_done == 3) ::raise(SIGINT);  // arrives during step 3
  };
  hooks.stop_requested = [&] { return guard.stop_requested(); };
  const TrainingOutcome outcome = run_training(*trainer, config, 0, hooks);
  EXPECT_TRUE(outcome.interrupted);
  EXPECT_EQ(outcome.steps_done, 3);
  EXPECT_EQ(reports, 2);  // no report for the interrupted step: stopping comes first
}

}  // namespace
}  // namespace carry
