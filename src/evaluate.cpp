// evaluate.cpp: see evaluate.hpp. The forward pass runs kLanes problems side by side, lanes
// innermost so the compiler vectorises the hidden-unit sums; each lane's sums run in the same
// order as reference_forward, so predictions match it exactly.
#include "carry/evaluate.hpp"

#include <algorithm>
#include <thread>

#include "carry/reference.hpp"

namespace carry {

namespace {
constexpr int kLanes = 64;

struct Counts {
  std::uint64_t exact = 0;
  std::uint64_t bits = 0;
  std::vector<std::uint64_t> positions;
};

// Forward over problems [first, first + count), count <= kLanes; adds to `counts`.
void evaluate_lanes(const Parameters& params, const EvaluationSet& set, std::uint64_t first,
                    int count, Counts& counts) {
  const int H = params.hidden;
  const int T = set.bits;
  AdditionProblem problems[kLanes];
  for (int lane = 0; lane < count; ++lane) problems[lane] = set.problem(first + lane);
  std::vector<double> h_prev(static_cast<std::size_t>(H) * kLanes, 0.0);  // H x lanes
  std::vector<double> h(static_cast<std::size_t>(H) * kLanes, 0.0);       // H x lanes
  std::uint64_t wrong_bits[kLanes] = {};
  double x0[kLanes], x1[kLanes], acc[kLanes], logit[kLanes];
  for (int t = 0; t < T; ++t) {
    for (int lane = 0; lane < kLanes; ++lane) {
      x0[lane] = lane < count ? bit_at(problems[lane].a, t) : 0.0;
      x1[lane] = lane < count ? bit_at(problems[lane].b, t) : 0.0;
    }
    for (int j = 0; j < H; ++j) {
      double from_hidden[kLanes] = {};
      for (int i = 0; i < H; ++i) {
        const double w = params.wh[i * H + j];
        const double* hp = &h_prev[static_cast<std::size_t>(i) * kLanes];
        for (int lane = 0; lane < kLanes; ++lane) from_hidden[lane] += hp[lane] * w;
      }
      for (int lane = 0; lane < kLanes; ++lane) {
        acc[lane] = (0.0 + x0[lane] * params.w0[j]) + x1[lane] * params.w0[H + j];
        h[static_cast<std::size_t>(j) * kLanes + lane] = sigmoid(acc[lane] + from_hidden[lane]);
      }
    }
    std::fill(logit, logit + kLanes, 0.0);
    for (int j = 0; j < H; ++j) {
      for (int lane = 0; lane < kLanes; ++lane) {
        logit[lane] += h[static_cast<std::size_t>(j) * kLanes + lane] * params.w1[j];
      }
    }
    for (int lane = 0; lane < count; ++lane) {
      const int predicted = sigmoid(logit[lane]) > 0.5 ? 1 : 0;  // numpy rounds 0.5 to 0
      if (predicted == bit_at(problems[lane].sum(), t)) {
        ++counts.positions[t];
        ++counts.bits;
      } else {
        wrong_bits[lane] |= std::uint64_t{1} << t;
      }
    }
    h_prev.swap(h);
  }
  for (int lane = 0; lane < count; ++lane) counts.exact += wrong_bits[lane] == 0 ? 1 : 0;
}
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

double Evaluation::exact_accuracy() const {
  return static_cast<double>(exact_correct) / static_cast<double>(set.size);
}
double Evaluation::bit_accuracy() const {
  return static_cast<double>(bits_correct) / (static_cast<double>(set.size) * set.bits);
}
double Evaluation::position_accuracy(int position) const {
  return static_cast<double>(position_correct[position]) / static_cast<double>(set.size);
}

Evaluation evaluate(const Parameters& params, int bits, int threads) {
  Evaluation result;
  result.set = evaluation_set(bits);
  result.position_correct.assign(bits, 0);
  const std::uint64_t chunks = (result.set.size + kLanes - 1) / kLanes;
  int thread_count = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  thread_count = static_cast<int>(std::clamp<std::uint64_t>(thread_count, 1, chunks));
  std::vector<Counts> per_thread(thread_count);
  auto work = [&](int worker) {
    Counts& counts = per_thread[worker];
    counts.positions.assign(bits, 0);
    for (std::uint64_t chunk = worker; chunk < chunks; chunk += thread_count) {
      const std::uint64_t first = chunk * kLanes;
      const int count = static_cast<int>(std::min<std::uint64_t>(kLanes, result.set.size - first));
      evaluate_lanes(params, result.set, first, count, counts);
    }
  };
  std::vector<std::thread> workers;
  for (int worker = 1; worker < thread_count; ++worker) workers.emplace_back(work, worker);
  work(0);
  for (std::thread& worker : workers) worker.join();
  for (const Counts& counts : per_thread) {
    result.exact_correct += counts.exact;
    result.bits_correct += counts.bits;
    for (int t = 0; t < bits; ++t) result.position_correct[t] += counts.positions[t];
  }
  return result;
}

}  // namespace carry
