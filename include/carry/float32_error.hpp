// float32_error.hpp: the rounding-error model behind every float32 tolerance in carry.
//
// u = 2^-24 is float32's unit roundoff. A float32 sum of n terms (a dot product of length n
// included) is off by at most γ(n) times the sum of the terms' magnitudes, where
//   γ(n) = min(n, 4·√n) · u.
// n·u is the classic worst case (Higham, Accuracy and Stability of Numerical Algorithms, §3.1,
// to first order); 4·√n·u is the probabilistic bound of Higham & Mary (SIAM J. Sci. Comput.
// 2019), which holds with overwhelming probability when rounding errors are independent, and is
// the only useful one for the GEMM sums of K = T·B terms (K·u reaches 1/2 at B = 2^20).
// σ(x) = 1/(1 + e^{-x}) in float32 is off by at most 6u relative: expf is within 2 ulp (CUDA
// Programming Guide, maximum ulp errors), and an ulp of a float v is 2^(e-23) for v in
// [2^e, 2^(e+1)), up to 2u·v, so 2 ulp is up to 4u relative; 1 + e^{-x} carries that error
// scaled by e^{-x}/(1 + e^{-x}) < 1, plus u for its own rounding; the correctly rounded divide
// adds u. (This bound was 4u, with 2 ulp read as 2u, up to commit d645e64.)
#pragma once

#include <algorithm>
#include <cmath>

namespace carry {

constexpr double kUnitRoundoff32 = 0x1p-24;  // u
constexpr double kUnitRoundoff64 = 0x1p-53;
constexpr double kSigmoidRelativeError = 6 * kUnitRoundoff32;
// Tolerances are this many times the first-order bound: room for second-order terms.
constexpr double kToleranceSafetyFactor = 2.0;

// γ(n): relative error of a float32 sum of n terms, against the sum of their magnitudes.
inline double float32_sum_error(double terms) {
  return std::min(terms, 4.0 * std::sqrt(terms)) * kUnitRoundoff32;
}

}  // namespace carry
