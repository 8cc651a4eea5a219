// evaluate.cpp: see evaluate.hpp. Prefix sharing: h_t depends only on bits 0..t of a and b, so
// the forward pass walks the tree of low bits (pairs_by_low_bits.hpp) depth first. A node at
// depth t stands for one choice of digits 0..t-1 and holds h_{t-1}; its children, one per digit
// (a_t, b_t) present below it, get h_t and the prediction for bit t once for every pair below
// them. At T = 8 that is 38,228 states instead of 131,072. Each state is computed with exactly
// the operations, in the same order, as reference_forward (the hidden-unit sum Σ_i
// h_{t-1}[i]·Wh[i][j] does not depend on x_t, so the children share it), so every pair gets the
// predictions reference_forward gives it and every count is the one a loop over the pairs makes.
//
// Bit t of a + b is a_t ⊕ b_t ⊕ carry_t, and the carry is fixed by the digits above, so a node
// also knows whether its prediction is right; it counts once for all its pairs. Counting exact
// matches only, the walk goes no deeper than a node whose prediction is wrong, and a check
// against a target (ExactMatchCheck) stops altogether once more pairs are wrong than it allows.
#include "carry/evaluate.hpp"

#include <algorithm>
#include <limits>
#include <thread>

#include "carry/reference.hpp"
#include "carry/worker_threads.hpp"
#include "pairs_by_low_bits.hpp"

namespace carry {

namespace {
// Top of the tree cut into 4^3 subtrees, shared among the threads.
constexpr int kSplitDigits = 3;
// Columns of h·Wh summed side by side.
constexpr int kSumTile = 8;

struct Counts {
  std::uint64_t exact = 0;
  std::uint64_t bits = 0;
  std::vector<std::uint64_t> positions;
  double loss = 0.0;  // every_bit: Σ ½(y_t - out_t)² over the pairs walked
};

// A node where the walk stops and a thread takes over: its digits, the carry into its next
// digit, whether every bit so far was right, and its state h_{t-1}.
struct Subtree {
  std::uint64_t prefix = 0;
  int carry = 0;
  bool all_right = true;
  std::vector<double> hidden;  // H
};

// The depth-first walk; one per thread. Shapes: H hidden, T bits, D digits in a key.
class TreeWalk {
 public:
  TreeWalk(const Parameters& params, const PairsByLowBits& pairs, int bits, Counting counting,
           Counts& counts)
      : params_(params),
        pairs_(pairs),
        H_(params.hidden),
        T_(bits),
        every_bit_(counting == Counting::every_bit),
        counts_(counts),
        hidden_(static_cast<std::size_t>(bits + 1) * params.hidden, 0.0),
        hidden_sums_(static_cast<std::size_t>(bits) * params.hidden, 0.0),
        input_part_(4 * static_cast<std::size_t>(params.hidden)) {
    // x_t·W0 for each digit, summed as reference_forward sums it.
    for (int digit = 0; digit < 4; ++digit) {
      const double x0 = digit >> 1;
      const double x1 = digit & 1;
      for (int j = 0; j < H_; ++j) {
        double from_input = 0.0;
        from_input += x0 * params.w0[j];
        from_input += x1 * params.w0[H_ + j];
        input_part_[static_cast<std::size_t>(digit) * H_ + j] = from_input;
      }
    }
  }

  // Walks the subtree under the node at `depth` whose state h_{depth-1} is row `depth`; nodes
  // at depth `stop_depth` are not expanded but handed to `stopped`.
  void walk(int depth, std::uint64_t prefix, int carry, bool all_right) {
    if ((!all_right && !every_bit_) || over_limit()) return;
    if (depth == stop_depth_) {
      const double* h = row(depth);
      stopped_->push_back(Subtree{prefix, carry, all_right, std::vector<double>(h, h + H_)});
      return;
    }
    if (depth == pairs_.digits()) return finish_pairs(prefix, all_right);
    double* shared = sums_at(depth);
    sum_hidden(row(depth), shared);
    const std::uint64_t keys_per_child = std::uint64_t{1} << (2 * (pairs_.digits() - 1 - depth));
    for (int digit = 0; digit < 4; ++digit) {
      const std::uint64_t child = prefix * 4 + static_cast<std::uint64_t>(digit);
      const std::uint64_t pairs_below =
          pairs_.first((child + 1) * keys_per_child) - pairs_.first(child * keys_per_child);
      if (pairs_below == 0) continue;
      const int sum_bits = (digit >> 1) + (digit & 1) + carry;
      const double out = step(shared, digit, row(depth + 1));
      const bool right = predicted_bit(out) == (sum_bits & 1);
      if (every_bit_) {
        if (right) {
          counts_.positions[depth] += pairs_below;
          counts_.bits += pairs_below;
        }
        counts_.loss += static_cast<double>(pairs_below) * half_squared_error(sum_bits & 1, out);
      }
      if (all_right && !right) count_wrong(pairs_below, child * keys_per_child);
      walk(depth + 1, child, sum_bits >> 1, all_right && right);
    }
  }

  void stop_at(int depth, std::vector<Subtree>* stopped) {
    stop_depth_ = depth;
    stopped_ = stopped;
  }

  void walk_subtree(const Subtree& subtree, int depth) {
    std::copy(subtree.hidden.begin(), subtree.hidden.end(), row(depth));
    walk(depth, subtree.prefix, subtree.carry, subtree.all_right);
  }

  // Stops the walk as soon as more than `wrong_allowed` pairs are known to be wrong.
  void limit_wrong_pairs(std::uint64_t wrong_allowed) { wrong_allowed_ = wrong_allowed; }
  // Keeps the first `wanted` wrong pairs found (one for each wrong node) in `witnesses`.
  void keep_wrong_pairs(std::vector<AdditionProblem>* witnesses, std::size_t wanted) {
    witnesses_ = witnesses;
    witnesses_wanted_ = wanted;
  }
  bool over_limit() const { return wrong_ > wrong_allowed_; }

 private:
  double* row(int t) { return &hidden_[static_cast<std::size_t>(t) * H_]; }
  double* sums_at(int t) { return &hidden_sums_[static_cast<std::size_t>(t) * H_]; }

  // shared[j] = Σ_i h_prev[i]·Wh[i][j], summed from 0 in order of i, kSumTile columns at a time
  // in registers (the order within each column is what makes it exact, not the tiling).
  void sum_hidden(const double* h_prev, double* shared) const {
    const double* wh = params_.wh.data();
    int j = 0;
    for (; j + kSumTile <= H_; j += kSumTile) {
      double acc[kSumTile] = {};
      for (int i = 0; i < H_; ++i) {
        const double* w = wh + static_cast<std::size_t>(i) * H_ + j;
        for (int k = 0; k < kSumTile; ++k) acc[k] += h_prev[i] * w[k];
      }
      std::copy(acc, acc + kSumTile, shared + j);
    }
    for (; j < H_; ++j) {
      double acc = 0.0;
      for (int i = 0; i < H_; ++i) acc += h_prev[i] * wh[static_cast<std::size_t>(i) * H_ + j];
      shared[j] = acc;
    }
  }

  // h = σ(x_t·W0 + h_{t-1}·Wh) for the digit; returns the output σ(h·W1).
  double step(const double* shared, int digit, double* h) const {
    const double* from_input = &input_part_[static_cast<std::size_t>(digit) * H_];
    for (int j = 0; j < H_; ++j) h[j] = sigmoid(from_input[j] + shared[j]);
    double logit = 0.0;
    for (int j = 0; j < H_; ++j) logit += h[j] * params_.w1[j];
    return sigmoid(logit);
  }

  static int predicted_bit(double out) { return out > 0.5 ? 1 : 0; }  // numpy rounds 0.5 to 0
  static double half_squared_error(int target, double out) {
    const double error = target - out;
    return 0.5 * error * error;
  }

  // `pairs` newly wrong, the first of them the first pair with key `first_key` (or pair `index`).
  void count_wrong(std::uint64_t pairs, std::uint64_t first_key, std::uint64_t index = kNoIndex) {
    wrong_ += pairs;
    if (witnesses_ != nullptr && witnesses_->size() < witnesses_wanted_) {
      witnesses_->push_back(pairs_.pair(index == kNoIndex ? pairs_.first(first_key) : index));
    }
  }

  // The pairs with this key: they share h_{D-1}; bits D .. T-1 run pair by pair.
  void finish_pairs(std::uint64_t key, bool all_right) {
    const int D = pairs_.digits();
    sum_hidden(row(D), sums_at(D));
    for (std::uint64_t index = pairs_.first(key); index < pairs_.first(key + 1); ++index) {
      const AdditionProblem pair = pairs_.pair(index);
      const std::uint64_t sum = pair.sum();
      bool exact = all_right;
      for (int t = D; t < T_ && (exact || every_bit_); ++t) {
        if (t > D) sum_hidden(row(t), sums_at(t));
        const double out = step(sums_at(t), pair_digit(pair, t), row(t + 1));
        const bool right = predicted_bit(out) == bit_at(sum, t);
        if (every_bit_) {
          if (right) {
            ++counts_.positions[t];
            ++counts_.bits;
          }
          counts_.loss += half_squared_error(bit_at(sum, t), out);
        }
        exact = exact && right;
      }
      counts_.exact += exact ? 1 : 0;
      if (all_right && !exact) count_wrong(1, key, index);
      if (over_limit()) return;
    }
  }

  const Parameters& params_;
  const PairsByLowBits& pairs_;
  const int H_;
  const int T_;
  const bool every_bit_;  // else exact matches only
  Counts& counts_;
  std::vector<double> hidden_;       // (T + 1) x H; row t + 1 = h_t on the current path, row 0 = 0
  std::vector<double> hidden_sums_;  // T x H; row t = h_{t-1}·Wh, shared by a node's children
  std::vector<double> input_part_;   // 4 x H; x·W0 for each digit
  int stop_depth_ = -1;
  std::vector<Subtree>* stopped_ = nullptr;
  std::uint64_t wrong_ = 0;  // pairs known to be wrong (a wrong node counts all its pairs)
  std::uint64_t wrong_allowed_ = std::numeric_limits<std::uint64_t>::max();
  std::vector<AdditionProblem>* witnesses_ = nullptr;
  std::size_t witnesses_wanted_ = 0;
  static constexpr std::uint64_t kNoIndex = ~std::uint64_t{0};
};
}  // namespace

AdditionProblem EvaluationSet::problem(std::uint64_t index) const {
  if (!exhaustive) return counter_problem(kEvaluationSampleSeed, 0, index, bits);
  const int operand_bits = bits - 1;
  return AdditionProblem{index >> operand_bits, index & (operand_limit(bits) - 1)};
}

EvaluationSet evaluation_set(int bits) {
  EvaluationSet set;
  set.bits = bits;
  const int operand_bits = bits - 1;
  // 2^(2(T-1)) pairs; compare exponents so that T = 62 cannot overflow.
  set.exhaustive = 2 * operand_bits <= 24;
  set.size = set.exhaustive ? std::uint64_t{1} << (2 * operand_bits) : kSampledPairs;
  return set;
}

EvaluationSet report_evaluation_set(int bits) {
  EvaluationSet set = evaluation_set(bits);
  if (set.size <= kReportPairs) return set;
  set.exhaustive = false;  // the first kReportPairs pairs of the sample
  set.size = kReportPairs;
  return set;
}

double Evaluation::exact_accuracy() const {
  return static_cast<double>(exact_correct) / static_cast<double>(set.size);
}
double Evaluation::bit_accuracy() const {
  return static_cast<double>(bits_correct) / (static_cast<double>(set.size) * set.bits);
}
double Evaluation::position_accuracy(int position) const {
  return static_cast<double>(position_correct[position]) / static_cast<double>(set.size);
}
double Evaluation::mean_loss() const {
  return loss_sum / static_cast<double>(set.size);
}

std::uint64_t wrong_pairs_allowed(std::uint64_t set_size, double target) {
  // exact_accuracy() = (size - wrong) / size, a double division that falls as `wrong` grows, so
  // the largest `wrong` that still reaches `target` is found by bisection on that very test.
  const double size = static_cast<double>(set_size);
  auto reaches = [&](std::uint64_t wrong) {
    return static_cast<double>(set_size - wrong) / size >= target;
  };
  if (!reaches(0)) return kNeverReached;
  std::uint64_t low = 0;  // reaches
  std::uint64_t high = set_size;
  if (reaches(high)) return high;
  while (high - low > 1) {  // reaches(low), !reaches(high)
    const std::uint64_t middle = low + (high - low) / 2;
    (reaches(middle) ? low : high) = middle;
  }
  return low;
}

ExactMatchCheck::ExactMatchCheck(int bits)
    : set_(evaluation_set(bits)), pairs_(std::make_unique<PairsByLowBits>(set_)) {}

ExactMatchCheck::~ExactMatchCheck() = default;

bool ExactMatchCheck::reaches(const Parameters& params, double target) {
  const std::uint64_t allowed = wrong_pairs_allowed(set_.size, target);
  if (allowed == kNeverReached) return false;
  // Pairs found wrong at recent checks often still are (training moves the weights a little from
  // one check to the next, and the hard pairs stay hard): when more than `allowed` of them are
  // (reference_forward predicts each exactly as the walk would), that settles it. Most recent
  // first; a pair found wrong again moves to the front.
  if (witnesses_.size() > allowed) {
    std::uint64_t wrong = 0;
    for (std::size_t k = 0; k < witnesses_.size(); ++k) {
      const AdditionProblem pair = witnesses_[k];
      reference_forward(params, pair, set_.bits, trace_);
      if (predicted_sum(trace_) == pair.sum()) continue;
      std::rotate(witnesses_.begin() + static_cast<std::ptrdiff_t>(wrong),
                  witnesses_.begin() + static_cast<std::ptrdiff_t>(k),
                  witnesses_.begin() + static_cast<std::ptrdiff_t>(k) + 1);
      if (++wrong > allowed) return false;
    }
  }
  Counts counts;
  counts.positions.assign(set_.bits, 0);
  TreeWalk walk(params, *pairs_, set_.bits, Counting::exact_only, counts);
  walk.limit_wrong_pairs(allowed);
  std::vector<AdditionProblem> found;
  walk.keep_wrong_pairs(
      &found, static_cast<std::size_t>(std::min<std::uint64_t>(allowed + 1, kMaxWitnesses)));
  walk.walk(0, 0, 0, true);
  // The pairs just found go first; older ones stay behind them, up to kMaxWitnesses.
  for (const AdditionProblem& pair : witnesses_) {
    const bool known = std::any_of(found.begin(), found.end(), [&](const AdditionProblem& p) {
      return p.a == pair.a && p.b == pair.b;
    });
    if (!known && found.size() < kMaxWitnesses) found.push_back(pair);
  }
  witnesses_ = std::move(found);
  return !walk.over_limit();
}

Evaluation evaluate(const Parameters& params, int bits, int threads, Counting counting) {
  return evaluate(params, evaluation_set(bits), threads, counting);
}

Evaluation evaluate(const Parameters& params, const EvaluationSet& set, int threads,
                    Counting counting) {
  const int bits = set.bits;
  Evaluation result;
  result.set = set;
  result.counting = counting;
  result.position_correct.assign(bits, 0);
  const PairsByLowBits pairs(result.set);

  // The top of the tree on this thread, then its subtrees shared round robin.
  Counts top;
  top.positions.assign(bits, 0);
  const int split_depth = std::min(kSplitDigits, pairs.digits());
  std::vector<Subtree> subtrees;
  TreeWalk top_walk(params, pairs, bits, counting, top);
  top_walk.stop_at(split_depth, &subtrees);
  top_walk.walk(0, 0, 0, true);

  int thread_count = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  thread_count = static_cast<int>(std::clamp<std::size_t>(thread_count, 1, subtrees.size()));
  std::vector<Counts> per_thread(thread_count, Counts{0, 0, std::vector<std::uint64_t>(bits, 0)});
  // Each subtree's loss apart, added in subtree order below: the same sum for any thread count.
  std::vector<double> subtree_loss(subtrees.size(), 0.0);
  auto work = [&](int worker) {
    TreeWalk walk(params, pairs, bits, counting, per_thread[worker]);
    for (std::size_t k = worker; k < subtrees.size(); k += thread_count) {
      per_thread[worker].loss = 0.0;
      walk.walk_subtree(subtrees[k], split_depth);
      subtree_loss[k] = per_thread[worker].loss;
    }
  };
  run_on_threads(thread_count, work);
  per_thread.push_back(top);
  for (const Counts& counts : per_thread) {
    result.exact_correct += counts.exact;
    result.bits_correct += counts.bits;
    for (int t = 0; t < bits; ++t) result.position_correct[t] += counts.positions[t];
  }
  result.loss_sum = top.loss;
  for (double loss : subtree_loss) result.loss_sum += loss;
  return result;
}

}  // namespace carry
