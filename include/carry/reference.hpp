// reference.hpp: the float64 reference network, plain loops, the oracle for every backend.
//
// Shapes: T bits (time steps), H hidden units, B batch. For one sequence, with x_t = (a_t, b_t)
// and y_t the target bit:
//   forward   h_t   = σ(x_t·W0 + h_{t-1}·Wh)        h_{-1} = 0               h_t: 1 x H
//             out_t = σ(h_t·W1)                                             out_t: scalar
//   loss      L     = 0.5 Σ_t (y_t - out_t)^2
//   backward  e_t   = (y_t - out_t)·out_t·(1 - out_t)                       output delta
//             δ_t   = (δ_{t+1}·Whᵀ + e_t·W1ᵀ) ⊙ h_t ⊙ (1 - h_t)            δ_T = 0
//   update    ΔW1 += h_tᵀ e_t,  ΔWh += h_{t-1}ᵀ δ_t,  ΔW0 += x_tᵀ δ_t     (= -∂L/∂W)
// Every sum runs in the same order as the seed's numpy/BLAS calls (sequential, no FMA), so with
// batch 1 the trajectory is the seed's to the last bit.
#pragma once

#include <cstdint>
#include <vector>

#include "carry/parameters.hpp"
#include "carry/problem.hpp"

namespace carry {

double sigmoid(double x);

// What the forward pass keeps for the backward pass.
struct SequenceTrace {
  std::vector<double> hidden_history;  // (T + 1) x H; row 0 is h_{-1} = 0, row t + 1 is h_t
  std::vector<double> outputs;         // T; outputs[t] = out_t
};

void reference_forward(const Parameters& params, const AdditionProblem& problem, int bits,
                       SequenceTrace& trace);

// Adds this sequence's update (the negative gradient of its loss) into `update`.
void reference_backward(const Parameters& params, const AdditionProblem& problem, int bits,
                        const SequenceTrace& trace, Parameters& update);

double sequence_loss(const SequenceTrace& trace, const AdditionProblem& problem, int bits);
// The seed's printed "Error": Σ_t |y_t - out_t|, summed in time order.
double sequence_abs_error(const SequenceTrace& trace, const AdditionProblem& problem, int bits);
// The number whose bit t is round(out_t) (numpy rounds 0.5 down to 0).
std::uint64_t predicted_sum(const SequenceTrace& trace);

struct BatchUpdate {
  Parameters mean_update;              // (1/B) Σ_b update_b
  double mean_loss = 0.0;              // (1/B) Σ_b L_b
  std::uint64_t first_prediction = 0;  // the network's answer to problems[0]
};

// The step of batch B: forward and backward for every problem, the mean of the B updates.
BatchUpdate reference_batch_update(const Parameters& params,
                                   const std::vector<AdditionProblem>& problems, int bits);

}  // namespace carry
