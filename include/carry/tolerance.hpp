// tolerance.hpp: how far a float32 backend may be from the float64 reference, derived from the
// precision rather than found by trial.
//
// With u = 2^-24 (float32 unit roundoff): one time step's pre-activations are dot products of
// H + 2 terms (error <= (H + 2)·u of the sum of |terms|), the fast sigmoid adds at most ~5u, and a
// training step chains T forward and T backward such steps, then sums per-lane float32 partials
// of at most T·(chunk / lanes) terms. To first order the error of a step's loss and of each
// update tensor is bounded by
//     tol_step = 8 · 2T · (H + 2) · u
// relative to the tensor's scale: the largest entry of the mean absolute per-sample update
// (1/B)·Σ_b |ΔW_b|, which is what rounding errors are proportional to (the mean itself can be
// far smaller when the samples' updates cancel),
// where the factor 8 covers the sigmoid approximation (5u instead of 1u per evaluation), the
// lane sums and the gain of the recurrence (σ' <= 1/4 against |Wh| entries of order 1).
#pragma once

#include <cstdint>

namespace carry {

constexpr double kFloat32UnitRoundoff = 1.0 / 16777216.0;  // 2^-24

inline double float32_step_tolerance(int hidden, int bits) {
  return 8.0 * 2.0 * bits * (hidden + 2) * kFloat32UnitRoundoff;
}

// After n steps the weights differ by the sum of n per-step errors, each at most lr·tol_step times
// the largest update entry; relative to the largest weight this is bounded (for lr·|update| of
// order |W| or less) by n·tol_step.
inline double float32_trajectory_tolerance(int hidden, int bits, std::int64_t steps) {
  return static_cast<double>(steps) * float32_step_tolerance(hidden, bits);
}

}  // namespace carry
