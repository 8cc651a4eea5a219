// statistics.hpp: the two statistics a sweep summary reports for each setting: how often its
// runs reach the target, with a confidence interval, and how many steps the successful ones took.
#pragma once

#include <cstdint>
#include <vector>

namespace carry::sweep {

struct Interval {
  double low = 0.0;
  double high = 0.0;
};

// The 95% Wilson score interval for a success rate of `successes` in `trials` (trials >= 1):
//   centre ± half, divided by 1 + z²/n, with p = successes/n, z = 1.959963984540054,
//   centre = p + z²/(2n), half = z·sqrt(p(1 - p)/n + z²/(4n²)).
// Unlike p ± z·sqrt(p(1-p)/n) it stays inside [0, 1] and is not empty at 0 or n successes.
Interval wilson_interval(std::int64_t successes, std::int64_t trials);

struct Quartiles {
  double min = 0.0;
  double q1 = 0.0;
  double median = 0.0;
  double q3 = 0.0;
  double max = 0.0;
};

// The p-quantile of sorted values x[0..n) by linear interpolation between order statistics
// (Hyndman and Fan's type 7, numpy's and R's default): h = (n - 1)·p, then
// x[⌊h⌋] + (h - ⌊h⌋)·(x[⌊h⌋ + 1] - x[⌊h⌋]). Quartiles are p = 1/4, 1/2, 3/4; `values` must not be
// empty (any order).
double quantile_of_sorted(const std::vector<double>& sorted, double p);
Quartiles quartiles(std::vector<double> values);

}  // namespace carry::sweep
