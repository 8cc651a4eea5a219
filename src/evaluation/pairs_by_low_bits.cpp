// pairs_by_low_bits.cpp: see pairs_by_low_bits.hpp.
#include "pairs_by_low_bits.hpp"

#include <algorithm>

namespace carry {

namespace {
constexpr int kMaxSampledDigits = 10;

std::uint64_t key_of(const AdditionProblem& pair, int digits) {
  std::uint64_t key = 0;
  for (int t = 0; t < digits; ++t) key = key * 4 + static_cast<std::uint64_t>(pair_digit(pair, t));
  return key;
}
}  // namespace

PairsByLowBits::PairsByLowBits(const EvaluationSet& set) : exhaustive_(set.exhaustive) {
  if (exhaustive_) {
    digits_ = set.bits - 1;
    return;
  }
  // About one pair per key: 4^digits >= the set's size, at most 4^10.
  int digits = 0;
  while (digits < kMaxSampledDigits && (std::uint64_t{1} << (2 * digits)) < set.size) ++digits;
  digits_ = std::min(set.bits - 1, digits);
  // Counting sort, stable: counts per key, their running sum, then each pair to its place.
  first_.assign(keys() + 1, 0);
  std::vector<std::uint32_t> key(set.size);
  std::vector<AdditionProblem> pairs(set.size);
  for (std::uint64_t i = 0; i < set.size; ++i) {
    pairs[i] = set.problem(i);
    key[i] = static_cast<std::uint32_t>(key_of(pairs[i], digits_));
    ++first_[key[i] + 1];
  }
  for (std::uint64_t k = 0; k < keys(); ++k) first_[k + 1] += first_[k];
  std::vector<std::uint32_t> next(first_.begin(), first_.end() - 1);
  sorted_.resize(set.size);
  for (std::uint64_t i = 0; i < set.size; ++i) sorted_[next[key[i]]++] = pairs[i];
}

std::uint64_t PairsByLowBits::first(std::uint64_t key) const {
  return exhaustive_ ? key : first_[key];
}

AdditionProblem PairsByLowBits::pair(std::uint64_t index) const {
  if (!exhaustive_) return sorted_[index];
  AdditionProblem pair;
  for (int t = 0; t < digits_; ++t) {
    const std::uint64_t digit = (index >> (2 * (digits_ - 1 - t))) & 3u;
    pair.a |= (digit >> 1) << t;
    pair.b |= (digit & 1u) << t;
  }
  return pair;
}

}  // namespace carry
