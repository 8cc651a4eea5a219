// parameters.hpp: the network's three weight matrices, float64, row-major as in the seed.
//
//   w0: 2 x H   input -> hidden   (w0[i*H + j] = synapse_0[i][j])
//   wh: H x H   hidden -> hidden  (wh[i*H + j] = synapse_h[i][j], row i = previous unit i)
//   w1: H x 1   hidden -> output  (w1[j]       = synapse_1[j][0])
//
// The same type holds a weight update (the seed's synapse_*_update), which is the negative
// gradient of the loss: SGD adds lr * update.
#pragma once

#include <cstdint>
#include <vector>

namespace carry {

constexpr int kInputs = 2;
constexpr int kMaxHidden = 256;

struct Parameters {
  int hidden = 0;
  std::vector<double> w0;
  std::vector<double> wh;
  std::vector<double> w1;

  static Parameters zeros(int hidden);
};

// The seed's initialisation: np.random.seed(seed), then w0, w1, wh, each entry 2u - 1 with
// u = random_sample().
Parameters numpy_initial_parameters(std::uint32_t seed, int hidden);

// params += scale * update, element by element.
void add_scaled(Parameters& params, const Parameters& update, double scale);

bool all_finite(const Parameters& params);

// The largest |weight|: NaN if any weight is NaN, infinity if any is infinite.
double largest_magnitude(const Parameters& params);

}  // namespace carry
