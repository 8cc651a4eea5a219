// pairs_by_low_bits.hpp: an evaluation set ordered by the low bits of its operands, the order in
// which evaluate.cpp walks it so that pairs with the same low bits share their forward pass.
//
// Digit t of a pair is 2·a_t + b_t (bit t of each operand). A pair's key is its first D digits
// read as a base-4 number, digit 0 the most significant, so the pairs that agree on digits
// 0 .. t-1 hold one contiguous range of keys. The pairs with key k are indices
// [first(k), first(k + 1)) of pair():
//   exhaustive sets  D = T - 1, every operand bit (bit T - 1 is always 0); key k is exactly one
//                    pair, decoded from k, so nothing is stored (T = 13: 2^24 keys).
//   sampled sets     D = min(T - 1, the least d with 4^d >= the set's size, at most 10): 4^10 ≈
//                    2^20 keys for 2^20 pairs, 4^7 for training reports' 2^14, beyond which
//                    almost no two pairs share a prefix; the pairs are sorted by key (counting
//                    sort), with first() from the counts.
#pragma once

#include <cstdint>
#include <vector>

#include "carry/evaluate.hpp"

namespace carry {

class PairsByLowBits {
 public:
  explicit PairsByLowBits(const EvaluationSet& set);

  int digits() const { return digits_; }
  std::uint64_t keys() const { return std::uint64_t{1} << (2 * digits_); }
  // The first index with this key or a later one; first(keys()) is the set's size.
  std::uint64_t first(std::uint64_t key) const;
  AdditionProblem pair(std::uint64_t index) const;

 private:
  int digits_ = 0;
  bool exhaustive_ = false;
  std::vector<std::uint32_t> first_;     // sampled: keys() + 1
  std::vector<AdditionProblem> sorted_;  // sampled: the set's pairs in key order
};

// 2·a_t + b_t.
inline int pair_digit(const AdditionProblem& pair, int t) {
  return 2 * bit_at(pair.a, t) + bit_at(pair.b, t);
}

}  // namespace carry
