// cpu_trainer.cpp: see cpu_trainer.hpp. Threads take contiguous runs of chunks; each chunk draws
// its own problems from the counter-based generator, runs the vector kernel and leaves its
// float64 sums in its own slot, so no two threads ever write the same memory.
#include "carry/cpu_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "carry/errors.hpp"
#include "carry/thread_pool.hpp"
#include "largest_magnitude.hpp"
#include "vector_kernel.hpp"

namespace carry {

namespace {
int resolve_threads(int requested, std::int64_t chunks) {
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  const int wanted = requested > 0 ? requested : cores;
  // More threads than chunks would only wait.
  return static_cast<int>(std::min<std::int64_t>(wanted, chunks));
}

std::unique_ptr<float, void (*)(void*)> aligned_floats(std::int64_t count) {
  const std::size_t bytes = (static_cast<std::size_t>(count) * sizeof(float) + 63) / 64 * 64;
  void* memory = std::aligned_alloc(64, bytes);
  if (memory == nullptr) throw std::bad_alloc();
  return {static_cast<float*>(memory), std::free};
}
}  // namespace

std::string cpu_backend_isa() {
  const cpu::KernelTable* kernel = cpu::best_kernel();
  return kernel == nullptr ? "" : kernel->isa;
}

MemoryNeed cpu_memory_need(const TrainConfig& config) {
  // No batch array: each chunk of kChunkSamples draws its own problems and leaves its float64
  // update and loss sums; each thread has one workspace and, past the first, a stack.
  const auto hidden = static_cast<std::uint64_t>(config.hidden);
  const std::uint64_t cores = std::max(1u, std::thread::hardware_concurrency());
  const std::uint64_t threads = config.threads > 0 ? config.threads : cores;
  const std::uint64_t chunk_sums = ((hidden + 2) * hidden + hidden + 1) * sizeof(double);
  MemoryNeed need;
  need.bytes_per_sample = (chunk_sums + cpu::kChunkSamples - 1) / cpu::kChunkSamples;
  need.fixed_bytes =
      threads * static_cast<std::uint64_t>(cpu::workspace_floats(config.hidden, config.bits)) *
          sizeof(float) +
      (threads - 1) * thread_stack_bytes();
  return need;
}

CpuFmaLoop cpu_fma_loop() {
  const cpu::KernelTable* kernel = cpu::best_kernel();
  if (kernel == nullptr) return {};
  return CpuFmaLoop{kernel->fma_loop, 2.0 * cpu::kLanes * kernel->fma_chains};
}

CpuTrainer::CpuTrainer(const TrainConfig& config, const Parameters& initial)
    : config_(config), kernel_(cpu::best_kernel()) {
  if (kernel_ == nullptr) {
    throw UserError(
        "the cpu backend needs a processor with AVX2 and FMA (use --backend reference)");
  }
  const std::int64_t chunks = (config.batch + cpu::kChunkSamples - 1) / cpu::kChunkSamples;
  pool_ = std::make_unique<ThreadPool>(resolve_threads(config.threads, chunks));
  restart(config, initial);
}

void CpuTrainer::restart(const TrainConfig& config, const Parameters& initial) {
  config_ = config;
  const int H = initial.hidden;
  // assign/resize keep the vectors' memory when the new run needs no more.
  w_stack_.resize(static_cast<std::size_t>(H + 2) * H);
  for (int k = 0; k < H * H; ++k) w_stack_[k] = static_cast<float>(initial.wh[k]);
  for (int k = 0; k < 2 * H; ++k) w_stack_[H * H + k] = static_cast<float>(initial.w0[k]);
  w1_.assign(initial.w1.begin(), initial.w1.end());

  chunks_ = (config.batch + cpu::kChunkSamples - 1) / cpu::kChunkSamples;
  chunk_stack_updates_.resize(static_cast<std::size_t>(chunks_) * (H + 2) * H);
  chunk_w1_updates_.resize(static_cast<std::size_t>(chunks_) * H);
  chunk_losses_.resize(static_cast<std::size_t>(chunks_));
  stack_total_.resize(static_cast<std::size_t>(H + 2) * H);
  w1_total_.resize(H);
  const std::int64_t scratch_floats = cpu::workspace_floats(H, config.bits);
  if (scratch_floats > scratch_floats_) {
    scratch_.clear();
    for (int t = 0; t < pool_->size(); ++t) scratch_.push_back(aligned_floats(scratch_floats));
    scratch_floats_ = scratch_floats;
  }
}

CpuTrainer::~CpuTrainer() = default;

int CpuTrainer::threads() const {
  return pool_->size();
}
std::string CpuTrainer::isa() const {
  return kernel_->isa;
}

std::uint64_t CpuTrainer::sum_chunks(std::uint64_t step) {
  const int H = config_.hidden;
  const int S = H + 2;
  const int threads = pool_->size();
  std::uint64_t first_prediction = 0;
  pool_->run([&](int worker) {
    const std::int64_t begin = chunks_ * worker / threads;
    const std::int64_t end = chunks_ * (worker + 1) / threads;
    std::uint32_t a[cpu::kChunkSamples];
    std::uint32_t b[cpu::kChunkSamples];
    for (std::int64_t chunk = begin; chunk < end; ++chunk) {
      const std::int64_t first = chunk * cpu::kChunkSamples;
      const int count =
          static_cast<int>(std::min<std::int64_t>(cpu::kChunkSamples, config_.batch - first));
      for (int k = 0; k < count; ++k) {
        const AdditionProblem p =
            counter_problem(static_cast<std::uint64_t>(config_.seed), step,
                            static_cast<std::uint64_t>(first + k), config_.bits);
        a[k] = static_cast<std::uint32_t>(p.a);
        b[k] = static_cast<std::uint32_t>(p.b);
      }
      cpu::ChunkTask task;
      task.hidden = H;
      task.bits = config_.bits;
      task.w_stack = w_stack_.data();
      task.w1 = w1_.data();
      task.a = a;
      task.b = b;
      task.count = count;
      task.update_stack = &chunk_stack_updates_[static_cast<std::size_t>(chunk) * S * H];
      task.update_w1 = &chunk_w1_updates_[static_cast<std::size_t>(chunk) * H];
      task.loss = &chunk_losses_[static_cast<std::size_t>(chunk)];
      task.first_prediction = chunk == 0 ? &first_prediction : nullptr;
      task.scratch = scratch_[worker].get();
      kernel_->train_chunk(task);
    }
  });

  // Chunk sums in chunk order.
  std::fill(stack_total_.begin(), stack_total_.end(), 0.0);
  std::fill(w1_total_.begin(), w1_total_.end(), 0.0);
  loss_total_ = 0.0;
  for (std::int64_t chunk = 0; chunk < chunks_; ++chunk) {
    const double* stack = &chunk_stack_updates_[static_cast<std::size_t>(chunk) * S * H];
    for (int k = 0; k < S * H; ++k) stack_total_[k] += stack[k];
    const double* w1 = &chunk_w1_updates_[static_cast<std::size_t>(chunk) * H];
    for (int k = 0; k < H; ++k) w1_total_[k] += w1[k];
    loss_total_ += chunk_losses_[static_cast<std::size_t>(chunk)];
  }
  return first_prediction;
}

CpuTrainer::StepUpdate CpuTrainer::compute_update(std::uint64_t step) {
  const int H = config_.hidden;
  StepUpdate result;
  result.first_prediction = sum_chunks(step);
  const double batch = static_cast<double>(config_.batch);
  result.mean_update = Parameters::zeros(H);
  for (int k = 0; k < H * H; ++k) result.mean_update.wh[k] = stack_total_[k] / batch;
  for (int k = 0; k < 2 * H; ++k) result.mean_update.w0[k] = stack_total_[H * H + k] / batch;
  for (int k = 0; k < H; ++k) result.mean_update.w1[k] = w1_total_[k] / batch;
  result.mean_loss = loss_total_ / batch;
  return result;
}

StepResult CpuTrainer::train_step(std::uint64_t step) {
  const std::uint64_t first_prediction = sum_chunks(step);
  // W += lr · mean, rounded once to float32; the mean as compute_update() gives it.
  const double batch = static_cast<double>(config_.batch);
  auto apply = [&](float& w, double total) {
    w = static_cast<float>(static_cast<double>(w) + config_.lr * (total / batch));
  };
  for (std::size_t k = 0; k < w_stack_.size(); ++k) apply(w_stack_[k], stack_total_[k]);
  for (std::size_t k = 0; k < w1_.size(); ++k) apply(w1_[k], w1_total_[k]);
  const AdditionProblem example =
      counter_problem(static_cast<std::uint64_t>(config_.seed), step, 0, config_.bits);
  return StepResult{loss_total_ / batch, example, first_prediction};
}

double CpuTrainer::largest_weight_magnitude() const {
  const std::uint32_t largest = cpu::largest_magnitude_bits(
      w1_.data(), w1_.size(), 1, cpu::largest_magnitude_bits(w_stack_.data(), w_stack_.size(), 1));
  return cpu::magnitude_of_bits(largest);
}

Parameters CpuTrainer::parameters() const {
  const int H = config_.hidden;
  Parameters p = Parameters::zeros(H);
  for (int k = 0; k < H * H; ++k) p.wh[k] = w_stack_[k];
  for (int k = 0; k < 2 * H; ++k) p.w0[k] = w_stack_[H * H + k];
  for (int k = 0; k < H; ++k) p.w1[k] = w1_[k];
  return p;
}

}  // namespace carry
