// device_layout.hpp: how the cuda backend lays out one run's tensors, and the compact encoding of
// a batch. Plain index arithmetic marked CARRY_HOST_DEVICE: g++ compiles it for the CPU tests and
// the float64 layout reference, nvcc for the kernels, so both index memory the same way.
//
// Shapes: B batch, T bits (time steps), H hidden units, K = T·B positions. Every tensor is
// row-major with the sample index s innermost: consecutive threads (consecutive samples) touch
// consecutive addresses, and time and sample together form one column index k = t·B + s, so a
// single GEMM with K = T·B sums a weight gradient over the whole batch and every position.
//
//   operands       2 x B        uint32  row 0 = a, row 1 = b (bits <= 32: a, b < 2^31)
//   hidden         H x (T+1)·B  float   hidden[j][(t+1)·B + s] = h_t[j] of sample s;
//                                       columns [0, B) hold h_{-1} = 0 and are never written
//   inputs         2 x K        float   inputs[i][t·B + s] = x_t[i] (bit t of a, of b)
//   outputs        1 x K        float   out_t
//   output_deltas  1 x K        float   e_t = (y_t - out_t)·out_t·(1 - out_t)
//   deltas         H x K        float   deltas[j][t·B + s] = δ_t[j]
//   sample_loss    B            double  Σ_t ½(y_t - out_t)^2 of sample s
//   sample_exact   B            uint32  1 when all T bits of sample s are right
//   weights        W0 (2 x H) | Wh (H x H) | W1 (H x 1), row-major as Parameters; updates alike
#pragma once

#include <cstdint>
#include <vector>

#include "carry/host_device.hpp"
#include "carry/parameters.hpp"
#include "carry/problem.hpp"

namespace carry {

// The largest problem length whose operands fit the uint32 encoding (a + b < 2^32).
constexpr int kMaxEncodedBits = 32;

struct BatchLayout {
  int bits = 0;            // T
  int hidden = 0;          // H
  std::int64_t batch = 0;  // B

  CARRY_HOST_DEVICE std::int64_t positions() const { return bits * batch; }  // K = T·B
  CARRY_HOST_DEVICE std::int64_t hidden_columns() const { return (bits + 1) * batch; }

  // Column of position (t, s); t in [0, T).
  CARRY_HOST_DEVICE std::int64_t position(int t, std::int64_t sample) const {
    return t * batch + sample;
  }
  // h_t[j] of sample s; t in [-1, T) (t = -1 is the zero initial state).
  CARRY_HOST_DEVICE std::int64_t hidden_index(int t, std::int64_t sample, int j) const {
    return j * hidden_columns() + (t + 1) * batch + sample;
  }
  // x_t[i] of sample s, i in {0, 1}.
  CARRY_HOST_DEVICE std::int64_t input_index(int t, std::int64_t sample, int i) const {
    return i * positions() + position(t, sample);
  }
  // δ_t[j] of sample s.
  CARRY_HOST_DEVICE std::int64_t delta_index(int t, std::int64_t sample, int j) const {
    return j * positions() + position(t, sample);
  }

  CARRY_HOST_DEVICE std::int64_t hidden_size() const { return hidden * hidden_columns(); }
  CARRY_HOST_DEVICE std::int64_t inputs_size() const { return 2 * positions(); }
  CARRY_HOST_DEVICE std::int64_t deltas_size() const { return hidden * positions(); }
  CARRY_HOST_DEVICE std::int64_t operands_size() const { return 2 * batch; }

  // Offsets into the weights (and updates) buffer, which holds W0, Wh, W1 back to back.
  CARRY_HOST_DEVICE int w0_offset() const { return 0; }
  CARRY_HOST_DEVICE int wh_offset() const { return 2 * hidden; }
  CARRY_HOST_DEVICE int w1_offset() const { return 2 * hidden + hidden * hidden; }
  CARRY_HOST_DEVICE int weight_count() const { return 2 * hidden + hidden * hidden + hidden; }
};

// Operand a of sample s is operands[s], operand b is operands[B + s].
CARRY_HOST_DEVICE inline std::uint32_t operand_a(const std::uint32_t* operands,
                                                 std::int64_t sample) {
  return operands[sample];
}
CARRY_HOST_DEVICE inline std::uint32_t operand_b(const std::uint32_t* operands, std::int64_t batch,
                                                 std::int64_t sample) {
  return operands[batch + sample];
}
// y_t: bit t of a + b (below 2^32 for bits <= 32, computed in 64 bits all the same).
CARRY_HOST_DEVICE inline int target_bit(std::uint32_t a, std::uint32_t b, int t) {
  return bit_at(std::uint64_t{a} + b, t);
}

// What the device adds up for the host: the latest step's totals, and the steps queued since
// the host last collected them. One struct, so one copy brings everything a report needs.
struct StepTotals {
  double step_loss_sum;                 // Σ_s L_s of the latest step
  unsigned long long step_exact;        // samples of the latest step with all T bits right
  unsigned long long first_prediction;  // the network's answer to sample 0 of the latest step
  double pending_mean_loss_sum;         // Σ of each step's mean loss since the last collection
  long long pending_steps;              // steps since the last collection
};

// Device bytes that grow with the batch: every per-sample tensor above.
constexpr std::int64_t device_bytes_per_sample(int bits, int hidden) {
  const std::int64_t floats = std::int64_t{bits + 1} * hidden  // hidden
                              + std::int64_t{bits} * hidden    // deltas
                              + 2 * std::int64_t{bits}         // inputs
                              + 2 * std::int64_t{bits};        // outputs, output_deltas
  return 4 * floats + 4 * 2                                    // operands
         + 8                                                   // sample_loss
         + 4;                                                  // sample_exact
}

// The largest batch whose per-sample tensors fit in `available_bytes` once `fixed_bytes` (weights,
// library workspaces, reduction scratch) are taken; 0 when not even one sample fits.
constexpr std::int64_t largest_batch_that_fits(std::int64_t available_bytes,
                                               std::int64_t fixed_bytes, int bits, int hidden) {
  const std::int64_t left = available_bytes - fixed_bytes;
  return left <= 0 ? 0 : left / device_bytes_per_sample(bits, hidden);
}

// The weights in the device's order, W0 | Wh | W1, each rounded to float; and back to
// Parameters (exact: every float is a double).
std::vector<float> device_weights(const Parameters& params);
Parameters parameters_from_device(const std::vector<float>& weights, int hidden);

// Writes problems (seed, step, 0 .. batch - 1) into `operands` (2 x batch, as above), splitting
// the work over `threads` threads (1: the calling thread alone). The result does not depend on
// `threads`. Throws std::invalid_argument when bits > kMaxEncodedBits.
void encode_batch(std::uint64_t seed, std::uint64_t step, int bits, std::int64_t batch,
                  std::uint32_t* operands, int threads = 1);

// Samples [first, last) of that batch alone, on the calling thread (bits not checked).
void encode_samples(std::uint64_t seed, std::uint64_t step, int bits, std::int64_t batch,
                    std::int64_t first, std::int64_t last, std::uint32_t* operands);
// Throws std::invalid_argument unless kMinBits <= bits <= kMaxEncodedBits.
void check_encoded_bits(int bits);

// The threads worth using for encoding a batch of this size on this machine.
int encoding_threads(std::int64_t batch);

}  // namespace carry
