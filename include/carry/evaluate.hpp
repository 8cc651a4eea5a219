// evaluate.hpp: accuracy of a network on T-bit addition, in float64.
//
// The evaluation set is every pair (a, b) with a, b < 2^(T-1) when there are at most 2^24 of
// them (T <= 13), otherwise a fixed sample of 2^20 pairs from the counter-based generator with
// a constant seed, so the same weights always get the same figures.
//
// Training's reports, made every few dozen steps, use a smaller set when the evaluation set is
// large (report_evaluation_set): all of it up to kReportPairs pairs (T <= 8), else a fixed
// sample of kReportPairs pairs, the first of the same generator's. A run's final figure, and
// whether it reached --until-accuracy, are always on the evaluation set itself.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "carry/parameters.hpp"
#include "carry/problem.hpp"
#include "carry/reference.hpp"

namespace carry {

constexpr std::uint64_t kMaxExhaustivePairs = std::uint64_t{1} << 24;
constexpr std::uint64_t kSampledPairs = std::uint64_t{1} << 20;
constexpr std::uint64_t kEvaluationSampleSeed = 0x6576616c75617465ull;  // "evaluate"
constexpr std::uint64_t kReportPairs = std::uint64_t{1} << 14;

struct EvaluationSet {
  int bits = 0;
  bool exhaustive = false;
  std::uint64_t size = 0;
  AdditionProblem problem(std::uint64_t index) const;
};

EvaluationSet evaluation_set(int bits);
// The set training's reports evaluate (see above); evaluation_set(bits) itself when T <= 8.
EvaluationSet report_evaluation_set(int bits);

// What evaluate() counts. exact_only counts exact matches alone (bits_correct and
// position_correct stay 0) and so can stop below a pair's first wrong bit: all that training's
// reports need, and far less work while the network is wrong on most pairs.
enum class Counting { every_bit, exact_only };

struct Evaluation {
  EvaluationSet set;
  Counting counting = Counting::every_bit;
  std::uint64_t exact_correct = 0;              // pairs with all T bits right
  std::uint64_t bits_correct = 0;               // over all pairs and positions
  std::vector<std::uint64_t> position_correct;  // T; index 0 = least significant bit
  // every_bit only: Σ over the pairs of ½ Σ_t (y_t - out_t)², the training loss of each pair. The
  // pairs are summed in a fixed order (not pair by pair), the same for any thread count.
  double loss_sum = 0.0;

  double exact_accuracy() const;
  double bit_accuracy() const;
  double position_accuracy(int position) const;
  double mean_loss() const;  // loss_sum per pair
};

// The forward pass over the whole set on `threads` threads (0 = all cores). Pairs with the same
// low bits share the states they have in common, each computed as reference_forward computes it,
// so every count is the one that running reference_forward on each pair gives. Counts are
// integers, so the result does not depend on the thread count.
Evaluation evaluate(const Parameters& params, int bits, int threads = 0,
                    Counting counting = Counting::every_bit);
// The same over a given set (report_evaluation_set's, or evaluation_set's).
Evaluation evaluate(const Parameters& params, const EvaluationSet& set, int threads = 0,
                    Counting counting = Counting::every_bit);

// The most pairs of a set of `set_size` that may be wrong with exact_accuracy() >= target still
// true (the same double division and comparison); kNeverReached when not even 0 wrong does.
constexpr std::uint64_t kNeverReached = ~std::uint64_t{0};
std::uint64_t wrong_pairs_allowed(std::uint64_t set_size, double target);

class PairsByLowBits;

// Whether weights reach an exact-match target on the evaluation set: exactly
// evaluate(params, bits, 0, exact_only).exact_accuracy() >= target, but on the calling thread
// and stopping as soon as more pairs are wrong than the target allows (for a target of 1, at the
// first wrong pair). Holds the set's pair order, built once, for many checks (a sweep's worker),
// and the wrong pairs recent checks found: while enough of them stay wrong (training moves the
// weights a little between checks), a check costs a forward pass per pair and no walk.
class ExactMatchCheck {
 public:
  explicit ExactMatchCheck(int bits);
  ~ExactMatchCheck();
  ExactMatchCheck(const ExactMatchCheck&) = delete;
  ExactMatchCheck& operator=(const ExactMatchCheck&) = delete;

  int bits() const { return set_.bits; }
  bool reaches(const Parameters& params, double target);

 private:
  static constexpr std::uint64_t kMaxWitnesses = 64;
  EvaluationSet set_;
  std::unique_ptr<PairsByLowBits> pairs_;
  std::vector<AdditionProblem> witnesses_;  // wrong at recent checks, most recent first
  SequenceTrace trace_;
};
}  // namespace carry
