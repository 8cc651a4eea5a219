// verification.hpp: a fast backend checked against the float64 reference, step by step, within
// float32 tolerances derived from the rounding-error model of float32_error.hpp.
//
// `carry verify` runs three comparisons (verify_backend):
//  1. Lockstep: the backend trains step by step; before each step the float64 reference takes the
//     backend's current weights (float32 values, exact in float64) and computes the same step.
//     Outputs, loss, exact-match count, mean update and new weights must agree within tolerance.
//     Every step thus starts from identical inputs: errors do not compound across steps.
//  2. Replay: a second instance of the backend runs the same steps through its normal, pipelined
//     train_step path; its final weights must equal the lockstep run's bit for bit.
//  3. Drift: the pure float64 trajectory from the same initial weights, against the backend's.
//     Reported, not judged: SGD amplifies rounding differences, so no float32 bound holds for it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "carry/config.hpp"
#include "carry/parameters.hpp"
#include "carry/problem.hpp"
#include "carry/reference.hpp"
#include "carry/step_detail.hpp"

namespace carry {

// One step in float64 from given weights, with the float32 tolerance of every value.
// Shapes: B batch, T bits; outputs are T x B (t·B + s), as StepDetail.
//
// Tolerances are kToleranceSafetyFactor (2) times first-order running error bounds, propagated
// through the network alongside the values, with γ(n) = min(n, 4√n)·u and u = 2^-24:
//   forward   E(h_t[j])  = h(1-h)·(γ(H+2)·Σ|terms of z| + Σ_i E(h_{t-1}[i])·|Wh[i][j]|) + 6u·h
//             E(out_t)   = out(1-out)·(γ(H)·Σ_j|h_j·W1_j| + Σ_j E(h_t[j])·|W1_j|) + 6u·out
//   loss      E(L)       = (1/B) Σ_s Σ_t |y - out|·E(out_t)        (the sums run in float64)
//   backward  E(e_t)     = |∂e/∂out|·E(out_t) + 4u·|e_t|
//             δ_t[i] = s·d, s = δ_{t+1}·Wh[i]ᵀ + e_t·W1_i (H + 1 terms), d = h(1-h), h = h_t[i]:
//             E(s)       = γ(H+1)·Σ|terms of s| + Σ_j E(δ_{t+1}[j])·|Wh[i][j]| + E(e_t)·|W1_i|
//             E(d)       = |1-2h|·E(h) + 2u·d
//             E(δ_t[i])  = E(s)·d + |s|·E(d) + u·|δ_t[i]|
//   update    E(ΔW)      = (1/B) Σ_{t,s} (E(a)·|c| + |a|·E(c)) + (γ(T·B) + 2u)·(1/B) Σ|a·c|
//             for each ΔW = (1/B) Σ a·c (a = x or h, c = δ or e)
//   weights   E(W + lr·ΔW) = lr·E(ΔW) + 2u·lr·|ΔW| + u·|W + lr·ΔW|
// T enters through the recurrence (T chained sums forward, T back), the sum lengths through γ.
struct ReferenceStep {
  std::vector<double> outputs;
  std::vector<double> output_tolerance;
  double mean_loss = 0.0;
  double loss_tolerance = 0.0;
  std::uint64_t exact_correct = 0;      // samples with all T bits right (out > 0.5)
  std::uint64_t ambiguous_samples = 0;  // samples with an output within its tolerance of 0.5
  std::uint64_t first_prediction = 0;
  std::uint64_t first_prediction_ambiguous_bits = 0;  // bit t set: out_t of sample 0 is ambiguous
  Parameters mean_update;
  Parameters update_tolerance;
  Parameters weights_after;  // params + lr · mean_update
  Parameters weights_tolerance;
};

// The samples run on `threads` threads (0: every core) in fixed chunks (sample_chunks.hpp): the
// result is the same for any thread count.
ReferenceStep reference_step_with_tolerances(const Parameters& params,
                                             const std::vector<AdditionProblem>& batch, int bits,
                                             double lr, int threads = 0);

// reference_batch_update (reference.hpp) summed by chunks of samples on `threads` threads (0:
// every core): the same for any thread count, and for B <= kSampleChunk the same as
// reference_batch_update; beyond, the sums run in another order (last-bit differences).
BatchUpdate reference_batch_update_by_chunks(const Parameters& params,
                                             const std::vector<AdditionProblem>& problems, int bits,
                                             int threads = 0);

// One named tensor compared element by element.
struct TensorCheck {
  std::string name;
  std::size_t elements = 0;
  double max_abs_error = 0.0;
  double max_rel_error = 0.0;  // over elements whose reference value is not 0
  double worst_ratio = 0.0;    // max |error| / tolerance (infinite for NaN or a zero tolerance)
  std::size_t failures = 0;    // elements whose error exceeds the tolerance, or are not finite
  std::size_t worst_index = 0;
  double worst_error = 0.0;      // |actual - expected| at worst_index (infinite if not finite)
  double worst_tolerance = 0.0;  // the tolerance there
  bool passed() const { return failures == 0; }
};

TensorCheck check_tensor(const std::string& name, const std::vector<double>& actual,
                         const std::vector<double>& expected, const std::vector<double>& tolerance);

// W0, Wh, W1 back to back (the device layout's order).
std::vector<double> flatten(const Parameters& params);

struct StepCheck {
  std::int64_t step = 0;
  std::vector<TensorCheck> tensors;  // outputs, loss, dW0, dWh, dW1, W
  std::uint64_t exact_actual = 0;
  std::uint64_t exact_expected = 0;
  std::uint64_t ambiguous = 0;
  bool exact_ok = false;       // |actual - expected| <= ambiguous samples
  bool prediction_ok = false;  // sample 0's answer differs at most in ambiguous bits
  bool passed() const;
  double worst_ratio() const;
};

StepCheck check_step(std::int64_t step, const StepDetail& actual, const ReferenceStep& expected);

struct VerifyOutcome {
  std::vector<StepCheck> steps;
  bool replay_identical = false;
  double replay_max_difference = 0.0;  // max |replay - lockstep| over the final weights
  double drift_max_abs = 0.0;          // final weights against the float64 trajectory
  double drift_max_rel = 0.0;
  bool passed() const;
};

using StepperFactory = std::function<std::unique_ptr<DetailedStepper>(const Parameters& initial)>;

// Runs config.steps steps of lockstep, replay and drift (above) from the seed's initial weights
// for config.seed; calls on_step after each lockstep step. The float64 side runs on
// config.threads threads (0: every core).
VerifyOutcome verify_backend(const StepperFactory& make_stepper, const TrainConfig& config,
                             const std::function<void(const StepCheck&)>& on_step = {});

}  // namespace carry
