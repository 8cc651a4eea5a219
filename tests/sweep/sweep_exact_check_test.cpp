// sweep_exact_check_test.cpp: the check a sweep makes at every --check-every step.
// ExactMatchCheck stops as soon as more pairs are wrong than the target allows, so it must give
// exactly the verdict of the full evaluation, evaluate(...).exact_accuracy() >= target, on which
// `carry train` stops: tested on the weights of training runs at every 20th step (H 1 to 16,
// reaching 100% or not; one check object along each run, so the wrong pairs it remembers from
// one check to the next are used), random weights from small to saturating, and targets at and just
// beside each set of weights' own accuracy, on exhaustive and sampled sets. Also the evaluation's
// loss, which a sweep's records report: the same for any thread count, and the plain loop's sum.
#include <gtest/gtest.h>

#include <cmath>

#include "carry/evaluate.hpp"
#include "carry/parameters.hpp"
#include "carry/reference.hpp"
#include "carry/reference_trainer.hpp"

namespace carry {
namespace {

TEST(WrongPairsAllowed, TheLargestCountThatStillReachesTheTarget) {
  EXPECT_EQ(wrong_pairs_allowed(16384, 1.0), 0u);
  EXPECT_EQ(wrong_pairs_allowed(16384, 0.0), 16384u);
  EXPECT_EQ(wrong_pairs_allowed(16384, 0.5), 8192u);
  EXPECT_EQ(wrong_pairs_allowed(16384, 0.99999999), 0u);
  EXPECT_EQ(wrong_pairs_allowed(1, 1.0), 0u);
  EXPECT_EQ(wrong_pairs_allowed(16384, 1.5), kNeverReached);
  for (std::uint64_t size : std::vector<std::uint64_t>{3, 16384, 1048576, 16777216}) {
    for (std::uint64_t wrong : std::vector<std::uint64_t>{0, 1, 2, 37, size / 3, size - 1, size}) {
      if (wrong > size) continue;
      // The accuracy of exactly `wrong` wrong pairs reaches itself, and one ulp above does not.
      const double accuracy = static_cast<double>(size - wrong) / static_cast<double>(size);
      const std::uint64_t allowed = wrong_pairs_allowed(size, accuracy);
      EXPECT_GE(allowed, wrong);
      EXPECT_EQ(static_cast<double>(size - allowed) / static_cast<double>(size) >= accuracy, true);
      if (allowed < size) {
        EXPECT_LT(static_cast<double>(size - allowed - 1) / static_cast<double>(size), accuracy);
      }
      if (wrong > 0) {
        EXPECT_LT(wrong_pairs_allowed(size, std::nextafter(accuracy, 2.0)), wrong)
            << size << " " << wrong;
      }
    }
  }
}

// The check's verdict against the full evaluation's for targets across the range and at the
// weights' own accuracy (where >= is decided by the last pair).
void expect_same_verdicts(ExactMatchCheck& check, const Parameters& params, int bits,
                          const std::string& what, bool all_targets = true) {
  const Evaluation full = evaluate(params, bits, 0, Counting::exact_only);
  const double accuracy = full.exact_accuracy();
  std::vector<double> targets = {1.0, 0.9, accuracy, std::nextafter(accuracy, 2.0)};
  if (all_targets) {
    targets.insert(targets.end(), {0.999, 0.99, 0.5, 0.1, 1e-6, std::nextafter(accuracy, 0.0)});
  }
  for (double target : targets) {
    if (!(target > 0.0 && target <= 1.0)) continue;
    EXPECT_EQ(check.reaches(params, target), accuracy >= target)
        << what << ": target " << target << ", accuracy " << accuracy;
  }
}

TEST(ExactMatchCheck, SameVerdictAsTheEvaluationAlongTrainingRuns) {
  int reached = 0;
  for (int hidden : {1, 3, 4, 8, 16}) {
    for (std::uint32_t seed : {0u, 1u}) {
      if (seed == 1 && hidden != 8) continue;
      TrainConfig config;
      config.backend = "reference";
      config.hidden = hidden;
      config.batch = 16;
      config.seed = seed;
      ReferenceTrainer trainer(config, numpy_initial_parameters(seed, hidden));
      ExactMatchCheck check(8);
      for (std::uint64_t step = 0; step < 800; ++step) {
        trainer.train_step(step);
        if ((step + 1) % 20 != 0) continue;
        const Parameters params = trainer.parameters();
        expect_same_verdicts(check, params, 8,
                             "H " + std::to_string(hidden) + ", seed " + std::to_string(seed) +
                                 ", step " + std::to_string(step + 1));
        if (evaluate(params, 8, 0, Counting::exact_only).exact_accuracy() == 1.0) {
          ++reached;
          break;
        }
      }
    }
  }
  EXPECT_GE(reached, 3);  // the runs that learn are checked up to 100%
}

TEST(ExactMatchCheck, SameVerdictOnRandomWeightsAndOtherLengths) {
  std::uint32_t seed = 500;
  for (int bits : {2, 3, 5, 8, 10}) {
    ExactMatchCheck check(bits);
    for (int hidden : {1, 3, 16}) {
      for (double scale : {0.01, 1.0, 4.0, 30.0}) {
        Parameters params = numpy_initial_parameters(++seed, hidden);
        for (std::vector<double>* w : {&params.w0, &params.wh, &params.w1}) {
          for (double& v : *w) v *= scale;
        }
        expect_same_verdicts(check, params, bits,
                             "bits " + std::to_string(bits) + ", H " + std::to_string(hidden));
      }
    }
  }
}

TEST(ExactMatchCheck, SameVerdictOnASampledSet) {
  // 14 bits: 2^20 sampled pairs, grouped by their low digits, the rest pair by pair.
  TrainConfig config;
  config.backend = "reference";
  config.hidden = 8;
  config.batch = 16;
  ReferenceTrainer trainer(config, numpy_initial_parameters(3u, 8));
  ExactMatchCheck check(14);
  for (std::uint64_t step = 0; step < 600; ++step) {
    trainer.train_step(step);
    if (step + 1 == 600) expect_same_verdicts(check, trainer.parameters(), 14, "step 600", false);
  }
}

TEST(EvaluationLoss, IndependentOfThreadsAndThePlainLoopsSum) {
  for (int hidden : {1, 5, 16}) {
    const Parameters params = numpy_initial_parameters(static_cast<std::uint32_t>(hidden), hidden);
    const int bits = 8;
    const Evaluation one = evaluate(params, bits, 1);
    for (int threads : {2, 3, 7}) {
      EXPECT_EQ(evaluate(params, bits, threads).loss_sum, one.loss_sum) << threads;  // bit for bit
    }
    const EvaluationSet set = evaluation_set(bits);
    SequenceTrace trace;
    double plain = 0.0;
    for (std::uint64_t i = 0; i < set.size; ++i) {
      const AdditionProblem p = set.problem(i);
      reference_forward(params, p, bits, trace);
      plain += sequence_loss(trace, p, bits);
    }
    // The same terms summed in another order and grouped by shared prefixes (a node's term times
    // its pair count): 16384·8 terms of at most ½, so the two sums differ by at most
    // n·2^-53·Σ|terms| with n = 131072, a relative 1.5e-11.
    EXPECT_NEAR(one.loss_sum, plain, 1.5e-11 * plain) << hidden;
    EXPECT_EQ(one.mean_loss(), one.loss_sum / 16384.0);
  }
}

}  // namespace
}  // namespace carry
