// reference.cpp: see reference.hpp. Forward and backward sit together; loops are plain on purpose.
#include "carry/reference.hpp"

#include <cmath>

namespace carry {

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

void reference_forward(const Parameters& params, const AdditionProblem& problem, int bits,
                       SequenceTrace& trace) {
  const int H = params.hidden;
  trace.hidden_history.assign(static_cast<std::size_t>(bits + 1) * H, 0.0);
  trace.outputs.assign(static_cast<std::size_t>(bits), 0.0);
  for (int t = 0; t < bits; ++t) {
    const double x0 = bit_at(problem.a, t);
    const double x1 = bit_at(problem.b, t);
    const double* h_prev = &trace.hidden_history[static_cast<std::size_t>(t) * H];  // 1 x H
    double* h = &trace.hidden_history[static_cast<std::size_t>(t + 1) * H];         // 1 x H
    for (int j = 0; j < H; ++j) {
      double from_input = 0.0;
      from_input += x0 * params.w0[j];
      from_input += x1 * params.w0[H + j];
      double from_hidden = 0.0;
      for (int i = 0; i < H; ++i) from_hidden += h_prev[i] * params.wh[i * H + j];
      h[j] = sigmoid(from_input + from_hidden);
    }
    double logit = 0.0;
    for (int j = 0; j < H; ++j) logit += h[j] * params.w1[j];
    trace.outputs[t] = sigmoid(logit);
  }
}

void reference_backward(const Parameters& params, const AdditionProblem& problem, int bits,
                        const SequenceTrace& trace, Parameters& update) {
  const int H = params.hidden;
  const std::uint64_t target = problem.sum();
  std::vector<double> delta_next(H, 0.0);  // δ_{t+1}, 1 x H
  std::vector<double> delta(H, 0.0);       // δ_t, 1 x H
  for (int t = bits - 1; t >= 0; --t) {
    const double x0 = bit_at(problem.a, t);
    const double x1 = bit_at(problem.b, t);
    const double* h = &trace.hidden_history[static_cast<std::size_t>(t + 1) * H];
    const double* h_prev = &trace.hidden_history[static_cast<std::size_t>(t) * H];
    const double out = trace.outputs[t];
    const double output_delta = (bit_at(target, t) - out) * (out * (1.0 - out));  // e_t
    for (int i = 0; i < H; ++i) {
      double from_future = 0.0;
      for (int j = 0; j < H; ++j) from_future += delta_next[j] * params.wh[i * H + j];
      const double from_output = output_delta * params.w1[i];
      delta[i] = (from_future + from_output) * (h[i] * (1.0 - h[i]));
    }
    for (int j = 0; j < H; ++j) update.w1[j] += h[j] * output_delta;
    for (int i = 0; i < H; ++i) {
      for (int j = 0; j < H; ++j) update.wh[i * H + j] += h_prev[i] * delta[j];
    }
    for (int j = 0; j < H; ++j) {
      update.w0[j] += x0 * delta[j];
      update.w0[H + j] += x1 * delta[j];
    }
    delta_next.swap(delta);
  }
}

double sequence_loss(const SequenceTrace& trace, const AdditionProblem& problem, int bits) {
  const std::uint64_t target = problem.sum();
  double loss = 0.0;
  for (int t = 0; t < bits; ++t) {
    const double error = bit_at(target, t) - trace.outputs[t];
    loss += 0.5 * error * error;
  }
  return loss;
}

double sequence_abs_error(const SequenceTrace& trace, const AdditionProblem& problem, int bits) {
  const std::uint64_t target = problem.sum();
  double total = 0.0;
  for (int t = 0; t < bits; ++t) total += std::fabs(bit_at(target, t) - trace.outputs[t]);
  return total;
}

std::uint64_t predicted_sum(const SequenceTrace& trace) {
  std::uint64_t value = 0;
  for (std::size_t t = 0; t < trace.outputs.size(); ++t) {
    if (trace.outputs[t] > 0.5) value |= std::uint64_t{1} << t;
  }
  return value;
}

BatchUpdate reference_batch_update(const Parameters& params,
                                   const std::vector<AdditionProblem>& problems, int bits) {
  BatchUpdate result;
  result.mean_update = Parameters::zeros(params.hidden);
  SequenceTrace trace;
  double loss_sum = 0.0;
  for (std::size_t b = 0; b < problems.size(); ++b) {
    reference_forward(params, problems[b], bits, trace);
    reference_backward(params, problems[b], bits, trace, result.mean_update);
    loss_sum += sequence_loss(trace, problems[b], bits);
    if (b == 0) result.first_prediction = predicted_sum(trace);
  }
  // Mean, not sum: the step size then does not depend on B (with B = 1 this is the seed's step).
  const double inverse_batch = 1.0 / static_cast<double>(problems.size());
  for (double& v : result.mean_update.w0) v *= inverse_batch;
  for (double& v : result.mean_update.wh) v *= inverse_batch;
  for (double& v : result.mean_update.w1) v *= inverse_batch;
  result.mean_loss = loss_sum * inverse_batch;
  return result;
}

}  // namespace carry
