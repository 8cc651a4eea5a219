// weight_updates.cpp: the step's mean weight update as three cuBLAS GEMMs over the whole batch
// and every bit position at once (K = T·B terms per element).
//
// The update is the seed's synapse_*_update, -∂L/∂W, averaged over the batch:
//   ΔW0[i][j] = (1/B) Σ_k x[i][k]·δ[j][k]        ΔWh[i][j] = (1/B) Σ_k h_{t-1}[i][k]·δ[j][k]
//   ΔW1[j]    = (1/B) Σ_k h_t[j][k]·e[k]          with k = t·B + s (device_layout.hpp)
//
// cuBLAS is column-major; carry's buffers are row-major. A row-major R x C matrix with row stride
// ld is, unchanged in memory, a column-major C x R matrix with leading dimension ld. So:
//   deltas  (H x K, ld K)           = column-major K x H, ld K            "Δ"
//   inputs  (2 x K, ld K)           = column-major K x 2, ld K            "X"
//   hidden  (H x (T+1)B, ld (T+1)B) = column-major (T+1)B x H; its first K rows are h_{t-1}
//                                     ("Hp", at hidden), rows B .. B + K - 1 are h_t ("Hc", at
//                                     hidden + B), both with leading dimension (T+1)B
//   e       (1 x K)                 = column-major K x 1, ld K
// and a row-major result R x C is written as its column-major transpose C x R (ld C):
//   ΔWh (row-major H x H) = column-major ΔWhᵀ = Δᵀ·Hp      gemm(T, N, m H, n H, k K)
//   ΔW0 (row-major 2 x H) = column-major ΔW0ᵀ = Δᵀ·X       gemm(T, N, m H, n 2, k K)
//   ΔW1 (H x 1)           = Hcᵀ·e                          gemm(T, N, m H, n 1, k K)
// alpha = 1/B makes the sums means; beta = 0 because each step's update is new (the buffer's
// previous contents are not read). The 64-bit API keeps (T+1)·B leading dimensions exact.
// Determinism: one stream, a user-owned workspace, atomics not allowed, default (FP32, no TF32)
// math; cuBLAS then gives bit-identical results run to run on the same GPU (cuBLAS docs,
// "Results reproducibility"). The handle is configured in cuda_trainer.cpp.
#include <cublas_v2.h>

#include "cublas_library.hpp"
#include "cuda_check.hpp"
#include "kernels.hpp"

namespace carry::cuda {

void enqueue_weight_updates(cublasHandle_t handle, const BatchLayout& layout, const float* hidden,
                            const float* inputs, const float* output_deltas, const float* deltas,
                            float* updates) {
  check_layout(layout, "enqueue_weight_updates");
  const std::int64_t H = layout.hidden;
  const std::int64_t K = layout.positions();
  const std::int64_t hidden_ld = layout.hidden_columns();
  const float alpha = 1.0f / static_cast<float>(layout.batch);
  const float beta = 0.0f;
  const float* hidden_prev = hidden;                // h_{t-1}: rows 0 .. K - 1
  const float* hidden_now = hidden + layout.batch;  // h_t:     rows B .. B + K - 1
  const auto sgemm_64 = cublas().sgemm_64;          // cublasSgemm_64, loaded on first use

  // ΔWh: column-major H x H = Δᵀ (H x K) · Hp (K x H).
  CUBLAS_CHECK(sgemm_64(handle, CUBLAS_OP_T, CUBLAS_OP_N, H, H, K, &alpha, deltas, K, hidden_prev,
                        hidden_ld, &beta, updates + layout.wh_offset(), H));
  // ΔW0: column-major H x 2 = Δᵀ (H x K) · X (K x 2).
  CUBLAS_CHECK(sgemm_64(handle, CUBLAS_OP_T, CUBLAS_OP_N, H, 2, K, &alpha, deltas, K, inputs, K,
                        &beta, updates + layout.w0_offset(), H));
  // ΔW1: column-major H x 1 = Hcᵀ (H x K) · e (K x 1).
  CUBLAS_CHECK(sgemm_64(handle, CUBLAS_OP_T, CUBLAS_OP_N, H, 1, K, &alpha, hidden_now, hidden_ld,
                        output_deltas, K, &beta, updates + layout.w1_offset(), H));
}

}  // namespace carry::cuda
