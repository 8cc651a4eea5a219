// parameters.cpp: see parameters.hpp.
#include "carry/parameters.hpp"

#include <algorithm>
#include <cmath>

#include "numpy_random.hpp"

namespace carry {

Parameters Parameters::zeros(int hidden) {
  Parameters p;
  p.hidden = hidden;
  p.w0.assign(static_cast<std::size_t>(kInputs) * hidden, 0.0);
  p.wh.assign(static_cast<std::size_t>(hidden) * hidden, 0.0);
  p.w1.assign(static_cast<std::size_t>(hidden), 0.0);
  return p;
}

Parameters numpy_initial_parameters(NumpyRandom& rng, int hidden) {
  Parameters p = Parameters::zeros(hidden);
  // The seed computes 2*np.random.random(shape) - 1 for each matrix in this order.
  for (double& w : p.w0) w = 2.0 * rng.random_sample() - 1.0;
  for (double& w : p.w1) w = 2.0 * rng.random_sample() - 1.0;
  for (double& w : p.wh) w = 2.0 * rng.random_sample() - 1.0;
  return p;
}

Parameters numpy_initial_parameters(std::uint32_t seed, int hidden) {
  NumpyRandom rng(seed);
  return numpy_initial_parameters(rng, hidden);
}

namespace {
void add_scaled(std::vector<double>& target, const std::vector<double>& source, double scale) {
  for (std::size_t i = 0; i < target.size(); ++i) target[i] += source[i] * scale;
}
bool all_finite(const std::vector<double>& values) {
  for (double v : values) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}
}  // namespace

void add_scaled(Parameters& params, const Parameters& update, double scale) {
  // The seed writes synapse += synapse_update * alpha: the product first, then the sum.
  add_scaled(params.w0, update.w0, scale);
  add_scaled(params.wh, update.wh, scale);
  add_scaled(params.w1, update.w1, scale);
}

bool all_finite(const Parameters& params) {
  return all_finite(params.w0) && all_finite(params.wh) && all_finite(params.w1);
}

double largest_magnitude(const Parameters& params) {
  double largest = 0.0;
  for (const std::vector<double>* matrix : {&params.w0, &params.wh, &params.w1}) {
    for (const double w : *matrix) {
      if (std::isnan(w)) return w;  // std::max would let a later number hide it
      largest = std::max(largest, std::fabs(w));
    }
  }
  return largest;
}

}  // namespace carry
