// cuda_kernels_test.cpp: label `gpu`. Each of the cuda backend's kernels (and its cuBLAS GEMMs)
// against its gold function (layout_gold.hpp, float64 on the same float32 inputs), on fresh
// random data: outputs are poisoned with NaN first and every element of every buffer is checked
// afterwards, the written ones against the gold within float32_error.hpp's bounds, the rest for
// being untouched. Sizes: B in {1, 3, 1000, 65537}, H in {1, 7, 16, 64}, T in {2, 8, 16}, all
// combinations with B·T·H² <= 2^29 (the float64 gold's CPU time).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include "carry/float32_error.hpp"
#include "cublas_library.hpp"
#include "cuda_check.hpp"
#include "device_buffer.hpp"
#include "device_layout.hpp"
#include "gpu_test_support.hpp"
#include "kernels.hpp"
#include "layout_gold.hpp"

namespace carry {
namespace {

using cuda::DeviceArray;
constexpr double u = kUnitRoundoff32;
constexpr double safety = kToleranceSafetyFactor;

std::vector<BatchLayout> test_layouts() {
  std::vector<BatchLayout> layouts;
  for (std::int64_t batch : {1, 3, 1000, 65537}) {
    for (int hidden : {1, 7, 16, 64}) {
      for (int bits : {2, 8, 16}) {
        if (batch * bits * hidden * hidden <= (std::int64_t{1} << 29)) {
          layouts.push_back(BatchLayout{bits, hidden, batch});
        }
      }
    }
  }
  return layouts;
}

std::string describe(const BatchLayout& L) {
  return "B " + std::to_string(L.batch) + " H " + std::to_string(L.hidden) + " T " +
         std::to_string(L.bits);
}

// Fresh random inputs; the seed is printed with any failure.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  float uniform(float low, float high) {
    return std::uniform_real_distribution<float>(low, high)(engine_);
  }
  std::vector<float> uniform(std::int64_t count, float low, float high) {
    std::vector<float> values(static_cast<std::size_t>(count));
    for (float& v : values) v = uniform(low, high);
    return values;
  }
  std::vector<std::uint32_t> operands(const BatchLayout& L) {
    std::vector<std::uint32_t> values(static_cast<std::size_t>(L.operands_size()));
    std::uniform_int_distribution<std::uint64_t> draw(0, operand_limit(L.bits) - 1);
    for (std::uint32_t& v : values) v = static_cast<std::uint32_t>(draw(engine_));
    return values;
  }
  int position(int bits) { return std::uniform_int_distribution<int>(0, bits - 1)(engine_); }

 private:
  std::mt19937_64 engine_;
};

template <typename T>
DeviceArray<T> upload(const std::vector<T>& host) {
  DeviceArray<T> device(host.size());
  CUDA_CHECK(cudaMemcpy(device.get(), host.data(), device.bytes(), cudaMemcpyHostToDevice));
  return device;
}

template <typename T>
std::vector<T> download(const DeviceArray<T>& device) {
  std::vector<T> host(device.size());
  CUDA_CHECK(cudaDeviceSynchronize());
  CUDA_CHECK(cudaMemcpy(host.data(), device.get(), device.bytes(), cudaMemcpyDeviceToHost));
  return host;
}

std::vector<double> widen(const std::vector<float>& values) {
  return std::vector<double>(values.begin(), values.end());
}

// Counts every element checked, reports up to 10 failures individually and all in one line.
class ElementChecker {
 public:
  explicit ElementChecker(std::string tensor) : tensor_(std::move(tensor)) {}
  ~ElementChecker() {
    EXPECT_EQ(failures_, 0u) << tensor_ << ": " << failures_ << " of " << checked_
                             << " elements wrong";
  }
  void within(std::int64_t index, double actual, double expected, double tolerance) {
    ++checked_;
    const double error = std::fabs(actual - expected);
    if (std::isfinite(actual) && (error == 0.0 || error <= tolerance)) return;
    std::ostringstream message;
    message << "gpu " << actual << ", gold " << expected << ", error " << error << ", tolerance "
            << tolerance;
    fail(index, message.str());
  }
  template <typename T>
  void equal(std::int64_t index, T actual, T expected) {
    ++checked_;
    if (std::memcmp(&actual, &expected, sizeof(T)) == 0) return;  // bit for bit (NaN too)
    std::ostringstream message;
    message << "gpu " << actual << ", expected " << expected;
    fail(index, message.str());
  }

 private:
  void fail(std::int64_t index, const std::string& message) {
    if (++failures_ <= 10) ADD_FAILURE() << tensor_ << "[" << index << "]: " << message;
  }
  std::string tensor_;
  std::size_t checked_ = 0;
  std::size_t failures_ = 0;
};

const float kPoison = std::numeric_limits<float>::quiet_NaN();

TEST(CudaKernels, ForwardStepMatchesGold) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE("CARRY_TEST_SEED=" + std::to_string(seed));
  Random random(seed);
  for (const BatchLayout& L : test_layouts()) {
    for (int t : {0, random.position(L.bits), L.bits - 1}) {
      SCOPED_TRACE(describe(L) + " t " + std::to_string(t));
      const std::vector<std::uint32_t> operands = random.operands(L);
      const std::vector<float> weights = random.uniform(L.weight_count(), -2.0f, 2.0f);
      std::vector<float> hidden = random.uniform(L.hidden_size(), 0.001f, 0.999f);
      for (std::int64_t s = 0; s < L.batch; ++s) {
        for (int j = 0; j < L.hidden; ++j) {
          hidden[L.hidden_index(-1, s, j)] = 0.0f;    // h_{-1} = 0, as the trainer keeps it
          hidden[L.hidden_index(t, s, j)] = kPoison;  // to be written
        }
      }
      const std::vector<float> inputs(L.inputs_size(), kPoison);
      const std::vector<float> outputs(L.positions(), kPoison);
      auto d_operands = upload(operands);
      auto d_weights = upload(weights);
      auto d_hidden = upload(hidden);
      auto d_inputs = upload(inputs);
      auto d_outputs = upload(outputs);
      cuda::launch_forward_step(L, t, d_operands.get(), d_weights.get(), d_hidden.get(),
                                d_inputs.get(), d_outputs.get(), nullptr);
      const std::vector<float> gpu_hidden = download(d_hidden);
      const std::vector<float> gpu_inputs = download(d_inputs);
      const std::vector<float> gpu_outputs = download(d_outputs);

      std::vector<double> gold_hidden = widen(hidden), gold_inputs = widen(inputs),
                          gold_outputs = widen(outputs);
      std::vector<double> z_terms(L.hidden * L.batch), logit_terms(L.batch);
      const std::vector<double> w = widen(weights);
      gold::forward_step(L, t, operands.data(), w.data(), gold_hidden.data(), gold_inputs.data(),
                         gold_outputs.data(), z_terms.data(), logit_terms.data());

      ElementChecker check_hidden("hidden"), check_inputs("inputs"), check_outputs("outputs");
      for (std::int64_t k = 0; k < L.hidden_size(); ++k) {
        if (!std::isnan(hidden[k])) check_hidden.equal(k, gpu_hidden[k], hidden[k]);  // untouched
      }
      for (std::int64_t s = 0; s < L.batch; ++s) {
        double carried = 0.0;  // Σ_j E(h_j)·|W1_j|, E(h) the bound on the GPU's h_t[j]
        for (int j = 0; j < L.hidden; ++j) {
          const std::int64_t k = L.hidden_index(t, s, j);
          const double h = gold_hidden[k];
          const double bound =
              h * (1 - h) * float32_sum_error(L.hidden + 2) * z_terms[j * L.batch + s] +
              kSigmoidRelativeError * h;
          check_hidden.within(k, gpu_hidden[k], h, safety * bound);
          carried += bound * std::fabs(w[L.w1_offset() + j]);
        }
        const double out = gold_outputs[L.position(t, s)];
        const double bound =
            out * (1 - out) * (float32_sum_error(L.hidden) * logit_terms[s] + carried) +
            kSigmoidRelativeError * out;
        check_outputs.within(L.position(t, s), gpu_outputs[L.position(t, s)], out, safety * bound);
      }
      for (std::int64_t k = 0; k < L.inputs_size(); ++k) {
        const bool written = (k % L.positions()) / L.batch == t;
        check_inputs.equal(k, gpu_inputs[k],
                           written ? static_cast<float>(gold_inputs[k]) : kPoison);
      }
      for (std::int64_t k = 0; k < L.positions(); ++k) {
        if (k / L.batch != t) check_outputs.equal(k, gpu_outputs[k], kPoison);
      }
    }
  }
}

TEST(CudaKernels, BackwardStepMatchesGold) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE("CARRY_TEST_SEED=" + std::to_string(seed));
  Random random(seed);
  for (const BatchLayout& L : test_layouts()) {
    for (int t : {L.bits - 1, random.position(L.bits), 0}) {
      SCOPED_TRACE(describe(L) + " t " + std::to_string(t));
      const std::vector<std::uint32_t> operands = random.operands(L);
      const std::vector<float> weights = random.uniform(L.weight_count(), -2.0f, 2.0f);
      const std::vector<float> hidden = random.uniform(L.hidden_size(), 0.001f, 0.999f);
      const std::vector<float> outputs = random.uniform(L.positions(), 0.001f, 0.999f);
      std::vector<float> deltas = random.uniform(L.deltas_size(), -0.3f, 0.3f);
      for (std::int64_t s = 0; s < L.batch; ++s) {
        for (int j = 0; j < L.hidden; ++j) deltas[L.delta_index(t, s, j)] = kPoison;
      }
      const std::vector<float> output_deltas(L.positions(), kPoison);
      auto d_operands = upload(operands);
      auto d_weights = upload(weights);
      auto d_hidden = upload(hidden);
      auto d_outputs = upload(outputs);
      auto d_deltas = upload(deltas);
      auto d_output_deltas = upload(output_deltas);
      cuda::launch_backward_step(L, t, d_operands.get(), d_weights.get(), d_hidden.get(),
                                 d_outputs.get(), d_output_deltas.get(), d_deltas.get(), nullptr);
      const std::vector<float> gpu_deltas = download(d_deltas);
      const std::vector<float> gpu_output_deltas = download(d_output_deltas);

      const std::vector<double> w = widen(weights), h = widen(hidden), out = widen(outputs);
      std::vector<double> gold_deltas = widen(deltas), gold_output_deltas = widen(output_deltas);
      std::vector<double> delta_terms(L.hidden * L.batch);
      gold::backward_step(L, t, operands.data(), w.data(), h.data(), out.data(),
                          gold_output_deltas.data(), gold_deltas.data(), delta_terms.data());

      ElementChecker check_e("output_deltas"), check_delta("deltas");
      for (std::int64_t k = 0; k < L.deltas_size(); ++k) {
        if (!std::isnan(deltas[k])) check_delta.equal(k, gpu_deltas[k], deltas[k]);  // untouched
      }
      for (std::int64_t s = 0; s < L.batch; ++s) {
        const double e = gold_output_deltas[L.position(t, s)];
        const double e_bound = 4 * u * std::fabs(e);  // y - o, 1 - o and two products
        check_e.within(L.position(t, s), gpu_output_deltas[L.position(t, s)], e, safety * e_bound);
        for (int i = 0; i < L.hidden; ++i) {
          const std::int64_t k = L.delta_index(t, s, i);
          const double hi = h[L.hidden_index(t, s, i)];
          const double d = hi * (1 - hi);
          const double bound = (float32_sum_error(L.hidden + 1) * delta_terms[i * L.batch + s] +
                                std::fabs(w[L.w1_offset() + i]) * e_bound) *
                                   d +
                               3 * u * std::fabs(gold_deltas[k]);
          check_delta.within(k, gpu_deltas[k], gold_deltas[k], safety * bound);
        }
      }
      for (std::int64_t k = 0; k < L.positions(); ++k) {
        if (k / L.batch != t) check_e.equal(k, gpu_output_deltas[k], kPoison);
      }
    }
  }
}

TEST(CudaKernels, StepMetricsMatchGold) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE("CARRY_TEST_SEED=" + std::to_string(seed));
  Random random(seed);
  for (const BatchLayout& L : test_layouts()) {
    SCOPED_TRACE(describe(L));
    const std::vector<std::uint32_t> operands = random.operands(L);
    // Outputs near their targets for about half the samples, so exact flags are mixed, and
    // some exactly 0.5, which must round down as numpy does.
    std::vector<float> outputs = random.uniform(L.positions(), 0.0f, 1.0f);
    for (std::int64_t s = 0; s < L.batch; ++s) {
      const bool near_target = random.uniform(0.0f, 1.0f) < 0.5f;
      for (int t = 0; t < L.bits; ++t) {
        float& out = outputs[L.position(t, s)];
        const int y =
            target_bit(operand_a(operands.data(), s), operand_b(operands.data(), L.batch, s), t);
        if (near_target) out = y ? random.uniform(0.51f, 1.0f) : random.uniform(0.0f, 0.5f);
        if (random.uniform(0.0f, 1.0f) < 0.02f) out = 0.5f;
      }
    }
    auto d_operands = upload(operands);
    auto d_outputs = upload(outputs);
    DeviceArray<double> d_loss(L.batch);
    DeviceArray<std::uint32_t> d_exact(L.batch);
    CUDA_CHECK(cudaMemset(d_loss.get(), 0xFF, d_loss.bytes()));    // NaN
    CUDA_CHECK(cudaMemset(d_exact.get(), 0xFF, d_exact.bytes()));  // neither 0 nor 1
    StepTotals start;
    std::memset(&start, 0xFF, sizeof start);
    start.pending_mean_loss_sum = 1.5;
    start.pending_steps = 2;
    auto d_totals = upload(std::vector<StepTotals>{start});
    const std::size_t scratch_bytes = cuda::step_metrics_scratch_bytes(L.batch);
    DeviceArray<unsigned char> scratch(scratch_bytes);
    cuda::launch_step_metrics(L, d_operands.get(), d_outputs.get(), d_loss.get(), d_exact.get(),
                              scratch.get(), scratch_bytes, d_totals.get(), nullptr);
    const std::vector<double> loss = download(d_loss);
    const std::vector<std::uint32_t> exact = download(d_exact);
    const StepTotals totals = download(d_totals)[0];

    const gold::SampleMetrics gold_metrics =
        gold::sample_metrics(L, operands.data(), outputs.data());
    ElementChecker check_loss("sample_loss"), check_exact("sample_exact"), check_totals("totals");
    for (std::int64_t s = 0; s < L.batch; ++s) {
      // Both sides sum T positive terms in float64 (T roundings each, the GPU's maybe fused).
      check_loss.within(s, loss[s], gold_metrics.loss[s],
                        2.0 * L.bits * kUnitRoundoff64 * gold_metrics.loss[s]);
      check_exact.equal(s, exact[s], gold_metrics.exact[s]);
    }
    check_totals.within(0, totals.step_loss_sum, gold_metrics.loss_sum,
                        4.0 * double(L.batch + L.bits) * kUnitRoundoff64 * gold_metrics.loss_sum);
    check_totals.equal<unsigned long long>(1, totals.step_exact, gold_metrics.exact_count);
    check_totals.equal<unsigned long long>(2, totals.first_prediction,
                                           gold_metrics.first_prediction);
    check_totals.equal(3, totals.pending_mean_loss_sum,
                       1.5 + totals.step_loss_sum / static_cast<double>(L.batch));
    check_totals.equal<long long>(4, totals.pending_steps, 3);
  }
}

// cuBLAS configured as the trainer configures it.
class CublasHandle {
 public:
  CublasHandle() {
    const cuda::CublasLibrary& blas = cuda::cublas();
    CUBLAS_CHECK(blas.create(&handle_));
    CUBLAS_CHECK(blas.set_math_mode(handle_, CUBLAS_DEFAULT_MATH));
    CUBLAS_CHECK(blas.set_atomics_mode(handle_, CUBLAS_ATOMICS_NOT_ALLOWED));
  }
  ~CublasHandle() { cuda::cublas().destroy(handle_); }
  cublasHandle_t get() const { return handle_; }

 private:
  cublasHandle_t handle_ = nullptr;
};

TEST(CudaKernels, WeightUpdateGemmsMatchGold) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE("CARRY_TEST_SEED=" + std::to_string(seed));
  Random random(seed);
  const CublasHandle cublas;
  for (const BatchLayout& L : test_layouts()) {
    SCOPED_TRACE(describe(L));
    // Every hidden column random, h_{-1} included, so a misplaced GEMM view shows.
    const std::vector<float> hidden = random.uniform(L.hidden_size(), 0.0f, 1.0f);
    std::vector<float> inputs = random.uniform(L.inputs_size(), 0.0f, 1.0f);
    for (float& x : inputs) x = x < 0.5f ? 0.0f : 1.0f;
    const std::vector<float> output_deltas = random.uniform(L.positions(), -0.25f, 0.25f);
    const std::vector<float> deltas = random.uniform(L.deltas_size(), -0.3f, 0.3f);
    auto d_hidden = upload(hidden);
    auto d_inputs = upload(inputs);
    auto d_output_deltas = upload(output_deltas);
    auto d_deltas = upload(deltas);
    auto d_updates = upload(std::vector<float>(L.weight_count(), kPoison));
    cuda::enqueue_weight_updates(cublas.get(), L, d_hidden.get(), d_inputs.get(),
                                 d_output_deltas.get(), d_deltas.get(), d_updates.get());
    const std::vector<float> updates = download(d_updates);

    std::vector<double> gold_updates(L.weight_count()), magnitude(L.weight_count());
    const std::vector<double> h = widen(hidden), x = widen(inputs), e = widen(output_deltas),
                              d = widen(deltas);
    gold::weight_updates(L, h.data(), x.data(), e.data(), d.data(), gold_updates.data(),
                         magnitude.data());
    const double gamma = float32_sum_error(double(L.positions())) + 2 * u;  // + alpha = 1/B
    ElementChecker check("updates");
    for (int k = 0; k < L.weight_count(); ++k) {
      check.within(k, updates[k], gold_updates[k], safety * gamma * magnitude[k]);
    }
  }
}

TEST(CudaKernels, SgdMatchesGold) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE("CARRY_TEST_SEED=" + std::to_string(seed));
  Random random(seed);
  for (int count : {1 * 1 + 3 * 1, 2 * 7 + 49 + 7, 2 * 16 + 256 + 16, 2 * 256 + 65536 + 256}) {
    SCOPED_TRACE("count " + std::to_string(count));
    const std::vector<float> weights = random.uniform(count, -5.0f, 5.0f);
    const std::vector<float> updates = random.uniform(count, -0.5f, 0.5f);
    const float lr = random.uniform(0.01f, 8.0f);
    // One element past the end, poisoned, must stay so.
    std::vector<float> padded = weights;
    padded.push_back(kPoison);
    auto d_weights = upload(padded);
    auto d_updates = upload(updates);
    cuda::launch_sgd(count, lr, d_updates.get(), d_weights.get(), nullptr);
    const std::vector<float> gpu = download(d_weights);
    std::vector<double> gold = widen(weights);
    const std::vector<double> gold_updates = widen(updates);
    gold::sgd(count, double(lr), gold_updates.data(), gold.data());
    ElementChecker check("weights");
    for (int k = 0; k < count; ++k) {
      check.within(k, gpu[k], gold[k],
                   safety * u * (std::fabs(double(lr) * gold_updates[k]) + std::fabs(gold[k])));
    }
    check.equal(count, gpu[count], kPoison);
  }
}

TEST(CudaKernels, LaunchersRefuseBadArguments) {
  CARRY_REQUIRE_GPU_OR_SKIP();
  const BatchLayout L{8, 16, 32};
  EXPECT_THROW(
      cuda::launch_forward_step(L, 8, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr),
      std::invalid_argument);
  EXPECT_THROW(cuda::launch_backward_step(L, -1, nullptr, nullptr, nullptr, nullptr, nullptr,
                                          nullptr, nullptr),
               std::invalid_argument);
  EXPECT_THROW(cuda::launch_forward_step(BatchLayout{33, 16, 32}, 0, nullptr, nullptr, nullptr,
                                         nullptr, nullptr, nullptr),
               std::invalid_argument);
  EXPECT_THROW(cuda::launch_step_metrics(L, nullptr, nullptr, nullptr, nullptr, nullptr, 0, nullptr,
                                         nullptr),
               std::invalid_argument);
  EXPECT_THROW(cuda::launch_sgd(0, 1.0f, nullptr, nullptr, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace carry
