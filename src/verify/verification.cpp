// verification.cpp: see verification.hpp. The float64 step below repeats the reference's
// forward and backward (reference.cpp) in the same order, and carries beside every value the
// first-order bound on the error a float32 computation of it may have.
#include "carry/verification.hpp"

#include <cmath>
#include <limits>

#include "carry/backends.hpp"
#include "carry/float32_error.hpp"
#include "carry/reference.hpp"
#include "carry/sample_chunks.hpp"
#include "carry/trainer.hpp"

namespace carry {

namespace {

constexpr double u = kUnitRoundoff32;

// Running sums of one weight tensor's update over the batch: the values, the magnitudes of the
// terms (Σ|a·c|), and the propagated input errors (Σ E(a)|c| + |a|E(c)).
struct UpdateSums {
  Parameters value;
  Parameters magnitude;
  Parameters propagated;
  explicit UpdateSums(int hidden)
      : value(Parameters::zeros(hidden)),
        magnitude(Parameters::zeros(hidden)),
        propagated(Parameters::zeros(hidden)) {}
};

// One sample's forward pass with error bounds: h and E(h) are (T + 1) x H (row 0 = h_{-1} = 0).
struct BoundedForward {
  std::vector<double> h, h_error, out, out_error;
};

BoundedForward bounded_forward(const Parameters& p, const AdditionProblem& problem, int bits) {
  const int H = p.hidden;
  const double gamma_hidden = float32_sum_error(H + 2);
  const double gamma_output = float32_sum_error(H);
  BoundedForward f;
  f.h.assign(static_cast<std::size_t>(bits + 1) * H, 0.0);
  f.h_error.assign(f.h.size(), 0.0);
  f.out.assign(bits, 0.0);
  f.out_error.assign(bits, 0.0);
  for (int t = 0; t < bits; ++t) {
    const double x0 = bit_at(problem.a, t);
    const double x1 = bit_at(problem.b, t);
    const double* h_prev = &f.h[static_cast<std::size_t>(t) * H];
    const double* e_prev = &f.h_error[static_cast<std::size_t>(t) * H];
    double* h = &f.h[static_cast<std::size_t>(t + 1) * H];
    double* e = &f.h_error[static_cast<std::size_t>(t + 1) * H];
    for (int j = 0; j < H; ++j) {
      double from_input = 0.0;
      from_input += x0 * p.w0[j];
      from_input += x1 * p.w0[H + j];
      double from_hidden = 0.0;
      double terms = std::fabs(x0 * p.w0[j]) + std::fabs(x1 * p.w0[H + j]);
      double carried = 0.0;
      for (int i = 0; i < H; ++i) {
        const double product = h_prev[i] * p.wh[i * H + j];
        from_hidden += product;
        terms += std::fabs(product);
        carried += e_prev[i] * std::fabs(p.wh[i * H + j]);
      }
      h[j] = sigmoid(from_input + from_hidden);
      e[j] = h[j] * (1.0 - h[j]) * (gamma_hidden * terms + carried) + kSigmoidRelativeError * h[j];
    }
    double logit = 0.0;
    double terms = 0.0;
    double carried = 0.0;
    for (int j = 0; j < H; ++j) {
      logit += h[j] * p.w1[j];
      terms += std::fabs(h[j] * p.w1[j]);
      carried += e[j] * std::fabs(p.w1[j]);
    }
    const double out = sigmoid(logit);
    f.out[t] = out;
    f.out_error[t] =
        out * (1.0 - out) * (gamma_output * terms + carried) + kSigmoidRelativeError * out;
  }
  return f;
}

// One sample's backward pass with error bounds, added into `sums`.
void bounded_backward(const Parameters& p, const AdditionProblem& problem, int bits,
                      const BoundedForward& f, UpdateSums& sums) {
  const int H = p.hidden;
  const double gamma_delta = float32_sum_error(H + 1);
  const std::uint64_t target = problem.sum();
  std::vector<double> delta_next(H, 0.0), error_next(H, 0.0), delta(H), error(H);
  for (int t = bits - 1; t >= 0; --t) {
    const double x[2] = {double(bit_at(problem.a, t)), double(bit_at(problem.b, t))};
    const double* h = &f.h[static_cast<std::size_t>(t + 1) * H];
    const double* h_error = &f.h_error[static_cast<std::size_t>(t + 1) * H];
    const double* h_prev = &f.h[static_cast<std::size_t>(t) * H];
    const double* h_prev_error = &f.h_error[static_cast<std::size_t>(t) * H];
    const double out = f.out[t];
    const double y = bit_at(target, t);
    const double e = (y - out) * (out * (1.0 - out));  // e_t
    const double e_slope = std::fabs(-out * (1.0 - out) + (y - out) * (1.0 - 2.0 * out));
    const double e_error = e_slope * f.out_error[t] + 4 * u * std::fabs(e);
    for (int i = 0; i < H; ++i) {
      double from_future = 0.0;
      double terms = std::fabs(e * p.w1[i]);
      double carried = e_error * std::fabs(p.w1[i]);
      for (int j = 0; j < H; ++j) {
        const double product = delta_next[j] * p.wh[i * H + j];
        from_future += product;
        terms += std::fabs(product);
        carried += error_next[j] * std::fabs(p.wh[i * H + j]);
      }
      const double s = from_future + e * p.w1[i];
      const double d = h[i] * (1.0 - h[i]);
      const double d_error = std::fabs(1.0 - 2.0 * h[i]) * h_error[i] + 2 * u * d;
      delta[i] = s * d;
      error[i] =
          (gamma_delta * terms + carried) * d + std::fabs(s) * d_error + u * std::fabs(delta[i]);
    }
    for (int j = 0; j < H; ++j) {
      sums.value.w1[j] += h[j] * e;
      sums.magnitude.w1[j] += std::fabs(h[j] * e);
      sums.propagated.w1[j] += h_error[j] * std::fabs(e) + h[j] * e_error;
    }
    for (int i = 0; i < H; ++i) {
      for (int j = 0; j < H; ++j) {
        sums.value.wh[i * H + j] += h_prev[i] * delta[j];
        sums.magnitude.wh[i * H + j] += std::fabs(h_prev[i] * delta[j]);
        sums.propagated.wh[i * H + j] +=
            h_prev_error[i] * std::fabs(delta[j]) + h_prev[i] * error[j];
      }
    }
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < H; ++j) {
        sums.value.w0[i * H + j] += x[i] * delta[j];
        sums.magnitude.w0[i * H + j] += std::fabs(x[i] * delta[j]);
        sums.propagated.w0[i * H + j] += x[i] * error[j];
      }
    }
    delta_next.swap(delta);
    error_next.swap(error);
  }
}

// Element-wise over the three tensors.
template <typename Op>
Parameters combine(const Parameters& a, const Parameters& b, Op op) {
  Parameters r = Parameters::zeros(a.hidden);
  for (std::size_t k = 0; k < a.w0.size(); ++k) r.w0[k] = op(a.w0[k], b.w0[k]);
  for (std::size_t k = 0; k < a.wh.size(); ++k) r.wh[k] = op(a.wh[k], b.wh[k]);
  for (std::size_t k = 0; k < a.w1.size(); ++k) r.w1[k] = op(a.w1[k], b.w1[k]);
  return r;
}

// What a chunk of samples adds to a step: the update sums, the loss and its error bound, the
// exact and ambiguous sample counts.
struct StepSums {
  UpdateSums update;
  double loss = 0.0;
  double loss_error = 0.0;
  std::uint64_t exact = 0;
  std::uint64_t ambiguous = 0;
  explicit StepSums(int hidden) : update(hidden) {}
  void clear() { *this = StepSums(update.value.hidden); }
  void add(const StepSums& chunk) {
    add_scaled(update.value, chunk.update.value, 1.0);
    add_scaled(update.magnitude, chunk.update.magnitude, 1.0);
    add_scaled(update.propagated, chunk.update.propagated, 1.0);
    loss += chunk.loss;
    loss_error += chunk.loss_error;
    exact += chunk.exact;
    ambiguous += chunk.ambiguous;
  }
};

}  // namespace

ReferenceStep reference_step_with_tolerances(const Parameters& params,
                                             const std::vector<AdditionProblem>& batch, int bits,
                                             double lr, int threads) {
  const std::size_t B = batch.size();
  const double safety = kToleranceSafetyFactor;
  ReferenceStep r;
  r.outputs.assign(static_cast<std::size_t>(bits) * B, 0.0);
  r.output_tolerance.assign(r.outputs.size(), 0.0);
  // Each chunk of samples (sample_chunks.hpp) fills its own columns of the outputs and sums its
  // own terms; the chunks' sums are added in chunk order.
  const int workers = reference_threads(threads);
  std::vector<StepSums> slots(static_cast<std::size_t>(workers), StepSums(params.hidden));
  StepSums total(params.hidden);
  for_each_chunk_in_order(
      static_cast<std::int64_t>(B), workers,
      [&](std::int64_t first, std::int64_t last, int slot) {
        StepSums& sums = slots[static_cast<std::size_t>(slot)];
        sums.clear();
        for (std::int64_t s = first; s < last; ++s) {
          const AdditionProblem& problem = batch[static_cast<std::size_t>(s)];
          const BoundedForward f = bounded_forward(params, problem, bits);
          bool exact = true;
          bool ambiguous = false;
          for (int t = 0; t < bits; ++t) {
            const double out = f.out[t];
            const double tolerance = safety * f.out_error[t];
            r.outputs[t * B + s] = out;
            r.output_tolerance[t * B + s] = tolerance;
            const double error = bit_at(problem.sum(), t) - out;
            sums.loss += 0.5 * error * error;
            sums.loss_error += std::fabs(error) * f.out_error[t];
            const int bit = out > 0.5 ? 1 : 0;
            exact = exact && bit == bit_at(problem.sum(), t);
            const bool near_half = std::fabs(out - 0.5) <= tolerance;
            ambiguous = ambiguous || near_half;
            if (s == 0) {
              r.first_prediction |= std::uint64_t(bit) << t;
              if (near_half) r.first_prediction_ambiguous_bits |= std::uint64_t{1} << t;
            }
          }
          sums.exact += exact ? 1 : 0;
          sums.ambiguous += ambiguous ? 1 : 0;
          bounded_backward(params, problem, bits, f, sums.update);
        }
      },
      [&](int slot) { total.add(slots[static_cast<std::size_t>(slot)]); });
  r.exact_correct = total.exact;
  r.ambiguous_samples = total.ambiguous;
  const UpdateSums& sums = total.update;
  const double inverse_batch = 1.0 / static_cast<double>(B);
  r.mean_loss = total.loss * inverse_batch;
  r.loss_tolerance =
      safety * (total.loss_error * inverse_batch + (bits + B) * kUnitRoundoff64 * r.mean_loss);

  const double gamma_positions = float32_sum_error(double(bits) * double(B));
  r.mean_update =
      combine(sums.value, sums.value, [&](double v, double) { return v * inverse_batch; });
  r.update_tolerance = combine(sums.propagated, sums.magnitude, [&](double carried, double terms) {
    return safety * inverse_batch * (carried + (gamma_positions + 2 * u) * terms);
  });
  r.weights_after = params;
  add_scaled(r.weights_after, r.mean_update, lr);
  const Parameters scaled_tolerance =
      combine(r.update_tolerance, r.mean_update, [&](double tolerance, double update) {
        return lr * tolerance + safety * 2 * u * lr * std::fabs(update);
      });
  r.weights_tolerance = combine(scaled_tolerance, r.weights_after,
                                [&](double t, double w) { return t + safety * u * std::fabs(w); });
  return r;
}

BatchUpdate reference_batch_update_by_chunks(const Parameters& params,
                                             const std::vector<AdditionProblem>& problems, int bits,
                                             int threads) {
  struct Sums {
    Parameters update;
    double loss = 0.0;
  };
  const int workers = reference_threads(threads);
  std::vector<Sums> slots(static_cast<std::size_t>(workers));
  BatchUpdate result;
  result.mean_update = Parameters::zeros(params.hidden);
  double loss_sum = 0.0;
  for_each_chunk_in_order(
      static_cast<std::int64_t>(problems.size()), workers,
      [&](std::int64_t first, std::int64_t last, int slot) {
        Sums& sums = slots[static_cast<std::size_t>(slot)];
        sums.update = Parameters::zeros(params.hidden);
        sums.loss = 0.0;
        SequenceTrace trace;
        for (std::int64_t s = first; s < last; ++s) {
          const AdditionProblem& problem = problems[static_cast<std::size_t>(s)];
          reference_forward(params, problem, bits, trace);
          reference_backward(params, problem, bits, trace, sums.update);
          sums.loss += sequence_loss(trace, problem, bits);
          if (s == 0) result.first_prediction = predicted_sum(trace);
        }
      },
      [&](int slot) {
        const Sums& sums = slots[static_cast<std::size_t>(slot)];
        add_scaled(result.mean_update, sums.update, 1.0);
        loss_sum += sums.loss;
      });
  const double inverse_batch = 1.0 / static_cast<double>(problems.size());
  result.mean_update = combine(result.mean_update, result.mean_update,
                               [&](double v, double) { return v * inverse_batch; });
  result.mean_loss = loss_sum * inverse_batch;
  return result;
}

std::vector<double> flatten(const Parameters& params) {
  std::vector<double> all(params.w0);
  all.insert(all.end(), params.wh.begin(), params.wh.end());
  all.insert(all.end(), params.w1.begin(), params.w1.end());
  return all;
}

TensorCheck check_tensor(const std::string& name, const std::vector<double>& actual,
                         const std::vector<double>& expected,
                         const std::vector<double>& tolerance) {
  TensorCheck check;
  check.name = name;
  check.elements = expected.size();
  if (actual.size() != expected.size() || tolerance.size() != expected.size()) {
    check.failures = std::max<std::size_t>(1, expected.size());
    check.worst_ratio = std::numeric_limits<double>::infinity();
    return check;
  }
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const double error = std::fabs(actual[k] - expected[k]);
    double ratio = 0.0;
    if (!std::isfinite(actual[k]) || !std::isfinite(error)) {
      ratio = std::numeric_limits<double>::infinity();
    } else if (error > 0.0) {
      ratio = tolerance[k] > 0.0 ? error / tolerance[k] : std::numeric_limits<double>::infinity();
    }
    if (!(ratio <= 1.0)) ++check.failures;
    if (!(ratio <= check.worst_ratio)) {
      check.worst_ratio = ratio;
      check.worst_index = k;
      check.worst_error = std::isfinite(error) ? error : std::numeric_limits<double>::infinity();
      check.worst_tolerance = tolerance[k];
    }
    if (std::isfinite(error)) {
      check.max_abs_error = std::max(check.max_abs_error, error);
      if (expected[k] != 0.0) {
        check.max_rel_error = std::max(check.max_rel_error, error / std::fabs(expected[k]));
      }
    } else {
      check.max_abs_error = std::numeric_limits<double>::infinity();
      check.max_rel_error = std::numeric_limits<double>::infinity();
    }
  }
  return check;
}

bool StepCheck::passed() const {
  for (const TensorCheck& tensor : tensors) {
    if (!tensor.passed()) return false;
  }
  return exact_ok && prediction_ok;
}

double StepCheck::worst_ratio() const {
  double worst = 0.0;
  for (const TensorCheck& tensor : tensors) worst = std::max(worst, tensor.worst_ratio);
  return worst;
}

StepCheck check_step(std::int64_t step, const StepDetail& actual, const ReferenceStep& expected) {
  StepCheck check;
  check.step = step;
  check.tensors.push_back(
      check_tensor("outputs", actual.outputs, expected.outputs, expected.output_tolerance));
  check.tensors.push_back(
      check_tensor("loss", {actual.mean_loss}, {expected.mean_loss}, {expected.loss_tolerance}));
  check.tensors.push_back(check_tensor("dW0", actual.mean_update.w0, expected.mean_update.w0,
                                       expected.update_tolerance.w0));
  check.tensors.push_back(check_tensor("dWh", actual.mean_update.wh, expected.mean_update.wh,
                                       expected.update_tolerance.wh));
  check.tensors.push_back(check_tensor("dW1", actual.mean_update.w1, expected.mean_update.w1,
                                       expected.update_tolerance.w1));
  check.tensors.push_back(check_tensor("W", flatten(actual.weights_after),
                                       flatten(expected.weights_after),
                                       flatten(expected.weights_tolerance)));
  check.exact_actual = actual.exact_correct;
  check.exact_expected = expected.exact_correct;
  check.ambiguous = expected.ambiguous_samples;
  const std::uint64_t difference = actual.exact_correct > expected.exact_correct
                                       ? actual.exact_correct - expected.exact_correct
                                       : expected.exact_correct - actual.exact_correct;
  check.exact_ok = difference <= expected.ambiguous_samples;
  check.prediction_ok = ((actual.first_prediction ^ expected.first_prediction) &
                         ~expected.first_prediction_ambiguous_bits) == 0;
  return check;
}

bool VerifyOutcome::passed() const {
  for (const StepCheck& step : steps) {
    if (!step.passed()) return false;
  }
  return replay_identical;
}

VerifyOutcome verify_backend(const StepperFactory& make_stepper, const TrainConfig& config,
                             const std::function<void(const StepCheck&)>& on_step) {
  validate_run(config);
  const Parameters initial =
      numpy_initial_parameters(static_cast<std::uint32_t>(config.seed), config.hidden);
  VerifyOutcome outcome;

  // 1. Lockstep: the reference starts every step from the backend's own weights.
  const std::unique_ptr<DetailedStepper> lockstep = make_stepper(initial);
  Parameters weights = lockstep->parameters();
  for (std::int64_t step = 0; step < config.steps; ++step) {
    const std::vector<AdditionProblem> batch = make_batch(config, static_cast<std::uint64_t>(step));
    const ReferenceStep expected =
        reference_step_with_tolerances(weights, batch, config.bits, config.lr, config.threads);
    const StepDetail actual = lockstep->run_step(static_cast<std::uint64_t>(step), true);
    outcome.steps.push_back(check_step(step, actual, expected));
    if (on_step) on_step(outcome.steps.back());
    weights = actual.weights_after;
  }

  // 2. Replay through the pipelined path, from the same start.
  const std::unique_ptr<DetailedStepper> replay = make_stepper(initial);
  for (std::int64_t step = 0; step < config.steps; ++step) {
    replay->train_step(static_cast<std::uint64_t>(step));
  }
  replay->collect_steps();
  const std::vector<double> replayed = flatten(replay->parameters());
  const std::vector<double> stepped = flatten(weights);
  outcome.replay_identical = replayed == stepped;
  for (std::size_t k = 0; k < stepped.size(); ++k) {
    const double difference = std::fabs(replayed[k] - stepped[k]);
    outcome.replay_max_difference = std::isnan(difference)
                                        ? std::numeric_limits<double>::infinity()
                                        : std::max(outcome.replay_max_difference, difference);
  }

  // 3. Drift from the float64 trajectory (information only).
  Parameters trajectory = initial;
  for (std::int64_t step = 0; step < config.steps; ++step) {
    const BatchUpdate update = reference_batch_update_by_chunks(
        trajectory, make_batch(config, static_cast<std::uint64_t>(step)), config.bits,
        config.threads);
    add_scaled(trajectory, update.mean_update, config.lr);
  }
  const std::vector<double> reference_weights = flatten(trajectory);
  for (std::size_t k = 0; k < stepped.size(); ++k) {
    const double difference = std::fabs(stepped[k] - reference_weights[k]);
    outcome.drift_max_abs = std::max(outcome.drift_max_abs, difference);
    if (reference_weights[k] != 0.0) {
      outcome.drift_max_rel =
          std::max(outcome.drift_max_rel, difference / std::fabs(reference_weights[k]));
    }
  }
  return outcome;
}

}  // namespace carry
