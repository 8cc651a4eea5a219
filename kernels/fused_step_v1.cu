// fused_step_v1.cu: the whole training step in one kernel (v1), then the tiny kernel that sums
// the blocks' partial updates and applies SGD, then their launchers.
//
// Shapes: B batch, T bits, H hidden, W = 2H + H² + H; the launch and the summation order are
// src/backends/cuda/fused_plan.hpp. Per sample, as the chain (forward.cu, backward.cu):
//   h_t = σ(x_t·W0 + h_{t-1}·Wh), out_t = σ(h_t·W1)                             forward
//   e_t = (y_t - out_t)·out_t·(1 - out_t), δ_t = (δ_{t+1}·Whᵀ + e_t·W1ᵀ) ⊙ h_t ⊙ (1 - h_t)
//   ΔW0 += x_tᵀ·δ_t, ΔWh += h_{t-1}ᵀ·δ_t, ΔW1 += h_tᵀ·e_t                        backward
// Versions: the chain (forward.cu, backward.cu, metrics.cu, weight_updates.cpp, sgd.cu) is the
// anchor; v1 (this file) is the naive fused port:
//   - one thread per sample; the batch is generated on the device with counter_problem, the
//     same Philox code the host's encode_batch runs, so no operands are uploaded;
//   - the weights in shared memory (broadcast reads), the sample's hidden history h_0..h_{T-1}
//     in a per-thread array indexed by a run-time t, so in local memory (L1-cached): the loops
//     over t, j and the owned weights stay rolled and the dot products are unrolled by 8, which
//     keeps 20 instantiations compiling in reasonable time on 2 cores; full unrolling is for v2;
//   - per position, the block's per-sample terms are staged in shared memory (one row per term,
//     rows padded to threads + 1 floats so a warp's 32 different rows at one column fall in 32
//     banks: fused_plan.hpp) and each thread sums the weights it owns over the block's threads
//     in thread order: deterministic, no atomics;
//   - accurate expf (2 ulp), as the chain, so the chain's float32 tolerances apply unchanged.
// Compile-time H in {8, 16, 32, 64} and T in {2, 4, 8, 16, 32}. Unverified on hardware; the
// napkin math and what to measure are in bench/fused-notes.md.
#include "cuda_check.hpp"
#include "device_layout.hpp"
#include "fused_plan.hpp"
#include "kernels.hpp"

namespace carry::cuda {

namespace {

__device__ float sigmoid(float x) {
  return 1.0f / (1.0f + expf(-x));
}

// step: the step number (device memory, so a captured graph replays any step). weights: W0 | Wh
// | W1. slots: blocks x W partial sums of the update (not yet divided by B). slot_loss,
// slot_exact: the block's Σ_s L_s and exact-match count. outputs: T x B, or null to skip them.
// totals->first_prediction: the answer to sample 0.
template <int H, int T>
__global__ void __launch_bounds__(fused_threads_per_block(H))
    fused_step_v1_kernel(FusedLaunch launch, std::uint64_t seed,
                         const std::uint64_t* __restrict__ step_number,
                         const float* __restrict__ weights, float* __restrict__ slots,
                         double* __restrict__ slot_loss,
                         unsigned long long* __restrict__ slot_exact, float* __restrict__ outputs,
                         StepTotals* __restrict__ totals) {
  constexpr int W = fused_weight_count(H);
  constexpr int kThreads = fused_threads_per_block(H);
  constexpr int kOwned = (W + kThreads - 1) / kThreads;  // weights summed by each thread
  constexpr int kStride = fused_v1_stage_stride(H);      // kThreads + 1: see fused_plan.hpp
  __shared__ float w_shared[W];
  // [term row][lane]: x_0, x_1, e, h_{t-1} (H), h_t (H), δ_t (H). A thread writes its lane's
  // column of every row (consecutive lanes, consecutive banks); the sums read two rows each.
  __shared__ float stage[fused_v1_stage_rows(H) * kStride];
  __shared__ double loss_stage[kThreads];
  __shared__ unsigned long long exact_stage[kThreads];

  const int lane = static_cast<int>(threadIdx.x);
  for (int k = lane; k < W; k += kThreads) w_shared[k] = weights[k];
  __syncthreads();
  const float* w0 = w_shared;
  const float* wh = w_shared + 2 * H;
  const float* w1 = w_shared + 2 * H + H * H;
  const std::uint64_t step = *step_number;

  float owned[kOwned];
#pragma unroll
  for (int q = 0; q < kOwned; ++q) owned[q] = 0.0f;
  double loss = 0.0;
  unsigned long long exact = 0;

  for (std::int64_t round = 0; round < launch.rounds; ++round) {
    const std::int64_t s = launch.sample(blockIdx.x, lane, round);
    const bool active = s < launch.batch;  // inactive threads stage zeros
    std::uint32_t a = 0;
    std::uint32_t b = 0;
    if (active) fused_operands(seed, step, s, T, &a, &b);

    // Forward: h_0 .. h_{T-1} kept, out_t kept.
    float history[T][H];
    float out[T];
#pragma unroll 1
    for (int t = 0; t < T; ++t) {
      const float x0 = static_cast<float>(bit_at(a, t));
      const float x1 = static_cast<float>(bit_at(b, t));
      float logit = 0.0f;
#pragma unroll 1
      for (int j = 0; j < H; ++j) {
        float z = x0 * w0[j] + x1 * w0[H + j];
        if (t > 0) {
#pragma unroll 8
          for (int i = 0; i < H; ++i) z += history[t - 1][i] * wh[i * H + j];
        }
        const float h = sigmoid(z);
        history[t][j] = h;
        logit += h * w1[j];
      }
      out[t] = sigmoid(logit);
    }
    if (active) {
      unsigned long long predicted = 0;
      bool all_right = true;
      for (int t = 0; t < T; ++t) {
        const int y = target_bit(a, b, t);
        const double error = y - static_cast<double>(out[t]);
        loss += 0.5 * error * error;
        const int bit = out[t] > 0.5f ? 1 : 0;
        predicted |= static_cast<unsigned long long>(bit) << t;
        all_right = all_right && bit == y;
        if (outputs != nullptr) outputs[t * launch.batch + s] = out[t];
      }
      exact += all_right ? 1 : 0;
      if (s == 0) totals->first_prediction = predicted;
    }

    // Backward, t = T-1 .. 0, with the block's update terms summed after each position.
    float delta_next[H];
#pragma unroll
    for (int j = 0; j < H; ++j) delta_next[j] = 0.0f;
#pragma unroll 1
    for (int t = T - 1; t >= 0; --t) {
      const float y = static_cast<float>(target_bit(a, b, t));
      const float e = active ? (y - out[t]) * (out[t] * (1.0f - out[t])) : 0.0f;
      float delta[H];
#pragma unroll 1
      for (int i = 0; i < H; ++i) {
        float from_future = 0.0f;
#pragma unroll 8
        for (int j = 0; j < H; ++j) from_future += delta_next[j] * wh[i * H + j];
        const float h = history[t][i];
        delta[i] = active ? (from_future + e * w1[i]) * (h * (1.0f - h)) : 0.0f;
      }
      stage[0 * kStride + lane] = active ? static_cast<float>(bit_at(a, t)) : 0.0f;
      stage[1 * kStride + lane] = active ? static_cast<float>(bit_at(b, t)) : 0.0f;
      stage[kFusedV1ERow * kStride + lane] = e;
#pragma unroll
      for (int i = 0; i < H; ++i) {
        stage[fused_v1_h_prev_row(i) * kStride + lane] = t > 0 ? history[t - 1][i] : 0.0f;
        stage[fused_v1_h_now_row(H, i) * kStride + lane] = history[t][i];
        stage[fused_v1_delta_row(H, i) * kStride + lane] = delta[i];
        delta_next[i] = delta[i];
      }
      __syncthreads();
#pragma unroll 1
      for (int q = 0; q < kOwned; ++q) {
        const int w = lane + q * kThreads;
        if (w >= W) break;
        // ΔW0[i][j] = Σ x_i·δ_j, ΔWh[i][j] = Σ h_{t-1,i}·δ_j, ΔW1[j] = Σ h_{t,j}·e
        const FusedV1Terms terms = fused_v1_terms(H, w);
        const float* left = stage + terms.left * kStride;
        const float* right = stage + terms.right * kStride;
        float sum = 0.0f;
        for (int l = 0; l < kThreads; ++l) sum += left[l] * right[l];
        owned[q] += sum;
      }
      __syncthreads();  // the stage is rewritten at the next position
    }
  }

  float* slot = slots + blockIdx.x * static_cast<std::int64_t>(W);
#pragma unroll
  for (int q = 0; q < kOwned; ++q) {
    const int w = lane + q * kThreads;
    if (w < W) slot[w] = owned[q];
  }
  loss_stage[lane] = loss;
  exact_stage[lane] = exact;
  __syncthreads();
  if (lane == 0) {
    double block_loss = 0.0;
    unsigned long long block_exact = 0;
    for (int l = 0; l < kThreads; ++l) {
      block_loss += loss_stage[l];
      block_exact += exact_stage[l];
    }
    slot_loss[blockIdx.x] = block_loss;
    slot_exact[blockIdx.x] = block_exact;
  }
}

// Thread w sums slot[0][w] .. slot[blocks-1][w] in block order, divides by B, and applies SGD;
// thread 0 also sums the blocks' losses and exact counts into totals.
__global__ void fused_reduce_kernel(int weight_count, std::int64_t blocks, std::int64_t batch,
                                    float lr, bool apply, const float* __restrict__ slots,
                                    const double* __restrict__ slot_loss,
                                    const unsigned long long* __restrict__ slot_exact,
                                    float* __restrict__ updates, float* __restrict__ weights,
                                    StepTotals* __restrict__ totals) {
  const int w = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (w < weight_count) {
    const float update = fused_mean_update(w, weight_count, blocks, batch, slots);
    updates[w] = update;
    if (apply) weights[w] += lr * update;
  }
  if (w == 0) {
    double loss = 0.0;
    unsigned long long exact = 0;
    for (std::int64_t b = 0; b < blocks; ++b) {
      loss += slot_loss[b];
      exact += slot_exact[b];
    }
    totals->step_loss_sum = loss;
    totals->step_exact = exact;
    totals->pending_mean_loss_sum += loss / static_cast<double>(batch);
    totals->pending_steps += 1;
  }
}

__global__ void fused_generate_batch_kernel(std::uint64_t seed, std::uint64_t step, int bits,
                                            std::int64_t batch, std::uint32_t* operands) {
  const std::int64_t s = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
  if (s >= batch) return;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  fused_operands(seed, step, s, bits, &a, &b);
  operands[s] = a;
  operands[batch + s] = b;
}

template <int H, int T>
void launch_v1(const FusedStepArguments& args, cudaStream_t stream) {
  const FusedLaunch& launch = args.launch;
  fused_step_v1_kernel<H, T><<<static_cast<unsigned>(launch.blocks), launch.threads, 0, stream>>>(
      launch, args.seed, args.step_number, args.weights, args.slots, args.slot_loss,
      args.slot_exact, args.outputs, args.totals);
}

template <int H>
bool launch_v1_for_bits(int bits, const FusedStepArguments& args, cudaStream_t stream) {
  switch (bits) {
    case 2:
      launch_v1<H, 2>(args, stream);
      return true;
    case 4:
      launch_v1<H, 4>(args, stream);
      return true;
    case 8:
      launch_v1<H, 8>(args, stream);
      return true;
    case 16:
      launch_v1<H, 16>(args, stream);
      return true;
    case 32:
      launch_v1<H, 32>(args, stream);
      return true;
    default:
      return false;
  }
}

template <int H>
const void* v1_kernel_for_bits(int bits) {
  switch (bits) {
    case 2:
      return reinterpret_cast<const void*>(fused_step_v1_kernel<H, 2>);
    case 4:
      return reinterpret_cast<const void*>(fused_step_v1_kernel<H, 4>);
    case 8:
      return reinterpret_cast<const void*>(fused_step_v1_kernel<H, 8>);
    case 16:
      return reinterpret_cast<const void*>(fused_step_v1_kernel<H, 16>);
    case 32:
      return reinterpret_cast<const void*>(fused_step_v1_kernel<H, 32>);
    default:
      return nullptr;
  }
}

}  // namespace

const void* fused_step_v1_kernel_pointer(int hidden, int bits) {
  switch (hidden) {
    case 8:
      return v1_kernel_for_bits<8>(bits);
    case 16:
      return v1_kernel_for_bits<16>(bits);
    case 32:
      return v1_kernel_for_bits<32>(bits);
    case 64:
      return v1_kernel_for_bits<64>(bits);
    default:
      return nullptr;
  }
}

void launch_fused_step_v1(int hidden, int bits, const FusedStepArguments& args,
                          cudaStream_t stream) {
  const FusedLaunch expected = fused_launch(args.launch.batch, hidden);
  if (args.launch.threads != expected.threads || args.launch.blocks != expected.blocks ||
      args.launch.rounds != expected.rounds || args.launch.batch < 1 ||
      args.launch.batch > kMaxBatch) {
    throw std::invalid_argument("launch_fused_step_v1: the launch is not fused_launch(B, H)");
  }
  bool launched = false;
  switch (hidden) {
    case 8:
      launched = launch_v1_for_bits<8>(bits, args, stream);
      break;
    case 16:
      launched = launch_v1_for_bits<16>(bits, args, stream);
      break;
    case 32:
      launched = launch_v1_for_bits<32>(bits, args, stream);
      break;
    case 64:
      launched = launch_v1_for_bits<64>(bits, args, stream);
      break;
    default:
      break;
  }
  if (!launched) {
    throw std::invalid_argument("launch_fused_step_v1: no kernel for H " + std::to_string(hidden) +
                                ", T " + std::to_string(bits));
  }
  CUDA_CHECK(cudaGetLastError());
}

void launch_fused_reduce(int hidden, const FusedLaunch& launch, float lr, bool apply,
                         const float* slots, const double* slot_loss,
                         const unsigned long long* slot_exact, float* updates, float* weights,
                         StepTotals* totals, cudaStream_t stream) {
  if (!fused_hidden_supported(hidden) || launch.blocks < 1) {
    throw std::invalid_argument("launch_fused_reduce: bad H or launch");
  }
  const int count = fused_weight_count(hidden);
  constexpr int kThreads = 256;
  fused_reduce_kernel<<<blocks_for(count, kThreads), kThreads, 0, stream>>>(
      count, launch.blocks, launch.batch, lr, apply, slots, slot_loss, slot_exact, updates, weights,
      totals);
  CUDA_CHECK(cudaGetLastError());
}

void launch_fused_generate_batch(std::uint64_t seed, std::uint64_t step, int bits,
                                 std::int64_t batch, std::uint32_t* operands, cudaStream_t stream) {
  check_layout(BatchLayout{bits, 1, batch}, "launch_fused_generate_batch");
  constexpr int kThreads = 128;
  fused_generate_batch_kernel<<<blocks_for(batch, kThreads), kThreads, 0, stream>>>(
      seed, step, bits, batch, operands);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace carry::cuda
