// flops.hpp: the arithmetic of one training step, counted once so every report uses the same
// figure. A multiply-add counts as 2 FLOP; sigmoids are not counted (2H + 2 exponentials per bit).
//
// Per sample and bit: forward x·W0 (2H) + h·Wh (H²) + h·W1 (H) multiply-adds; backward δ·Whᵀ (H²)
// + e·W1ᵀ (H) + ΔWh (H²) + ΔW0 (2H) + ΔW1 (H). In all 3H² + 7H multiply-adds per bit:
// at H = 16, T = 8 that is 880 · 2 · 8 = 14,080 FLOP per sample.
#pragma once

namespace carry {

inline double training_flops_per_sample(int hidden, int bits) {
  return 2.0 * bits * (3.0 * hidden * hidden + 7.0 * hidden);
}

}  // namespace carry
