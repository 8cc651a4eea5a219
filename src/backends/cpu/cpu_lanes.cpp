// cpu_lanes.cpp: see cpu_lanes.hpp. Each slot's weights are kept in all of its lanes (every lane
// of a run reads the run's weights); the update adds the slot's float64 sums exactly as
// CpuTrainer::train_step adds a one-chunk batch's.
#include "carry/cpu_lanes.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include "carry/errors.hpp"
#include "carry/problem.hpp"
#include "largest_magnitude.hpp"
#include "vector_kernel.hpp"

namespace carry {

namespace {
std::unique_ptr<float, void (*)(void*)> zeroed_floats(std::int64_t count) {
  const std::size_t bytes = (static_cast<std::size_t>(count) * sizeof(float) + 63) / 64 * 64;
  void* memory = std::aligned_alloc(64, bytes);
  if (memory == nullptr) throw std::bad_alloc();
  std::memset(memory, 0, bytes);
  return {static_cast<float*>(memory), std::free};
}
}  // namespace

CpuLanes::CpuLanes(int hidden, int bits, std::int64_t batch)
    : kernel_(cpu::best_kernel()),
      hidden_(hidden),
      bits_(bits),
      batch_(batch),
      slots_(static_cast<int>(cpu::kLanes / std::max<std::int64_t>(batch, 1))),
      w_stack_(nullptr, std::free),
      w1_(nullptr, std::free),
      scratch_(nullptr, std::free) {
  if (kernel_ == nullptr) {
    throw UserError(
        "the cpu backend needs a processor with AVX2 and FMA (use --backend reference)");
  }
  if (batch < 1 || batch > cpu::kLanes) throw std::invalid_argument("CpuLanes: batch 1 .. 16");
  const int H = hidden;
  runs_.resize(static_cast<std::size_t>(slots_));
  w_stack_ = zeroed_floats(static_cast<std::int64_t>(H + 2) * H * cpu::kLanes);
  w1_ = zeroed_floats(static_cast<std::int64_t>(H) * cpu::kLanes);
  scratch_ = zeroed_floats(cpu::workspace_floats(H, bits));
  a_.assign(cpu::kLanes, 0);
  b_.assign(cpu::kLanes, 0);
  update_stack_.resize(static_cast<std::size_t>(H + 2) * H * cpu::kLanes);
  update_w1_.resize(static_cast<std::size_t>(H) * cpu::kLanes);
  loss_.resize(static_cast<std::size_t>(slots_));
  first_prediction_.resize(static_cast<std::size_t>(slots_));
}

CpuLanes::~CpuLanes() = default;

int CpuLanes::busy_slots() const {
  int busy = 0;
  for (const Run& run : runs_) busy += run.busy ? 1 : 0;
  return busy;
}

void CpuLanes::start(int slot, const TrainConfig& config, const Parameters& initial) {
  if (config.hidden != hidden_ || config.bits != bits_ || config.batch != batch_ ||
      initial.hidden != hidden_) {
    throw std::invalid_argument("CpuLanes::start: a run of another shape");
  }
  Run& run = runs_[static_cast<std::size_t>(slot)];
  run = Run{true, static_cast<std::uint64_t>(config.seed), config.lr, 0, StepResult{}, 0.0};
  const int H = hidden_;
  // As CpuTrainer: W_stack = [Wh; W0] rounded to float32, into each of the slot's lanes.
  for (int lane = 0; lane < batch_; ++lane) {
    float* stack = w_stack_.get() + slot * batch_ + lane;
    for (int k = 0; k < H * H; ++k) stack[k * cpu::kLanes] = static_cast<float>(initial.wh[k]);
    for (int k = 0; k < 2 * H; ++k) {
      stack[(H * H + k) * cpu::kLanes] = static_cast<float>(initial.w0[k]);
    }
    float* w1 = w1_.get() + slot * batch_ + lane;
    for (int k = 0; k < H; ++k) w1[k * cpu::kLanes] = static_cast<float>(initial.w1[k]);
  }
}

void CpuLanes::stop(int slot) {
  runs_[static_cast<std::size_t>(slot)].busy = false;
}

float CpuLanes::stack_weight(int slot, int k) const {
  return w_stack_.get()[static_cast<std::size_t>(k) * cpu::kLanes + slot * batch_];
}
float CpuLanes::w1_weight(int slot, int k) const {
  return w1_.get()[static_cast<std::size_t>(k) * cpu::kLanes + slot * batch_];
}

void CpuLanes::train_step() {
  const int H = hidden_;
  const auto B = static_cast<int>(batch_);
  // Free slots train on zeros in their lanes; what they compute is never read.
  for (int slot = 0; slot < slots_; ++slot) {
    const Run& run = runs_[static_cast<std::size_t>(slot)];
    for (int i = 0; i < B; ++i) {
      AdditionProblem p{0, 0};
      if (run.busy) {
        p = counter_problem(run.seed, static_cast<std::uint64_t>(run.steps),
                            static_cast<std::uint64_t>(i), bits_);
      }
      a_[static_cast<std::size_t>(slot * B + i)] = static_cast<std::uint32_t>(p.a);
      b_[static_cast<std::size_t>(slot * B + i)] = static_cast<std::uint32_t>(p.b);
    }
  }
  cpu::LanesTask task;
  task.hidden = H;
  task.bits = bits_;
  task.batch = B;
  task.runs = slots_;
  task.w_stack = w_stack_.get();
  task.w1 = w1_.get();
  task.a = a_.data();
  task.b = b_.data();
  task.update_stack = update_stack_.data();
  task.update_w1 = update_w1_.data();
  task.loss = loss_.data();
  task.first_prediction = first_prediction_.data();
  task.scratch = scratch_.get();
  kernel_->train_lanes(task);

  // CpuTrainer::train_step's update for a batch of one chunk, in every lane at once (lanes of
  // no run: lr 0); the divergence guard's magnitudes come along.
  double lr[cpu::kLanes] = {};
  for (int lane = 0; lane < slots_ * B; ++lane) {
    const Run& run = runs_[static_cast<std::size_t>(lane / B)];
    lr[lane] = run.busy ? run.lr : 0.0;
  }
  std::uint32_t largest[cpu::kLanes];
  cpu::LanesUpdate update;
  update.hidden = H;
  update.batch = B;
  update.w_stack = w_stack_.get();
  update.w1 = w1_.get();
  update.update_stack = update_stack_.data();
  update.update_w1 = update_w1_.data();
  update.lr = lr;
  update.largest_bits = largest;
  kernel_->apply_lanes(update);

  const double batch = static_cast<double>(batch_);
  for (int slot = 0; slot < slots_; ++slot) {
    Run& run = runs_[static_cast<std::size_t>(slot)];
    if (!run.busy) continue;
    double loss_total = 0.0;
    loss_total += loss_[static_cast<std::size_t>(slot)];
    run.last.mean_loss = loss_total / batch;
    run.last.example = counter_problem(run.seed, static_cast<std::uint64_t>(run.steps), 0, bits_);
    run.last.example_prediction = first_prediction_[static_cast<std::size_t>(slot)];
    run.largest_magnitude = cpu::magnitude_of_bits(largest[slot * B]);
    ++run.steps;
  }
}

Parameters CpuLanes::parameters(int slot) const {
  const int H = hidden_;
  Parameters p = Parameters::zeros(H);
  for (int k = 0; k < H * H; ++k) p.wh[k] = stack_weight(slot, k);
  for (int k = 0; k < 2 * H; ++k) p.w0[k] = stack_weight(slot, H * H + k);
  for (int k = 0; k < H; ++k) p.w1[k] = w1_weight(slot, k);
  return p;
}

double CpuLanes::largest_weight_magnitude(int slot) const {
  return runs_[static_cast<std::size_t>(slot)].largest_magnitude;
}

}  // namespace carry
