// seed_compat.cpp: see seed_compat.hpp.
#include "carry/seed_compat.hpp"

#include "carry/divergence.hpp"
#include "carry/reference.hpp"
#include "numpy_format.hpp"
#include "numpy_random.hpp"

namespace carry {

namespace {
// numpy prints a uint8 bit array most significant bit first: "[0 1 0 0 0 1 0 1]".
std::string bit_array_str(std::uint64_t value, int bits) {
  std::string text = "[";
  for (int t = bits - 1; t >= 0; --t) {
    text += static_cast<char>('0' + bit_at(value, t));
    if (t > 0) text += ' ';
  }
  return text + "]";
}
}  // namespace

Parameters run_seed_compat(const SeedCompatConfig& config, std::ostream& out) {
  const int bits = kSeedCompatBits;
  NumpyRandom rng(config.seed);
  Parameters params = numpy_initial_parameters(rng, config.hidden);
  SequenceTrace trace;
  for (std::int64_t step = 0; step < config.steps; ++step) {
    AdditionProblem problem;
    problem.a = rng.randint(operand_limit(bits));
    problem.b = rng.randint(operand_limit(bits));
    reference_forward(params, problem, bits, trace);
    Parameters update = Parameters::zeros(config.hidden);
    reference_backward(params, problem, bits, trace, update);
    add_scaled(params, update, config.lr);
    if (step % 1000 == 0) {
      const std::uint64_t prediction = predicted_sum(trace);
      out << "Error:" << numpy_array1_str(sequence_abs_error(trace, problem, bits)) << '\n'
          << "Pred:" << bit_array_str(prediction, bits) << '\n'
          << "True:" << bit_array_str(problem.sum(), bits) << '\n'
          << problem.a << " + " << problem.b << " = " << prediction << '\n'
          << "------------\n";
    }
    // The same guard as every batched run: a blown-up weight ends the run (exit status 3) and
    // is never saved. Checked after the printout, which stays the seed's up to that step.
    check_not_diverged(step + 1, sequence_loss(trace, problem, bits), largest_magnitude(params),
                       config.lr);
  }
  return params;
}

}  // namespace carry
