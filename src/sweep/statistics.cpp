// statistics.cpp: see statistics.hpp.
#include "carry/sweep/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace carry::sweep {

Interval wilson_interval(std::int64_t successes, std::int64_t trials) {
  if (trials < 1 || successes < 0 || successes > trials) {
    throw std::invalid_argument("wilson_interval: need 0 <= successes <= trials, trials >= 1");
  }
  const double z = 1.959963984540054;  // the 97.5th percentile of the standard normal
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double scale = 1.0 + z2 / n;
  const double centre = p + z2 / (2.0 * n);
  const double half = z * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
  Interval interval{(centre - half) / scale, (centre + half) / scale};
  // Rounding must not put the ends outside [0, 1] (at 0 or n successes they are 0 or 1).
  interval.low = std::max(0.0, successes == 0 ? 0.0 : interval.low);
  interval.high = std::min(1.0, successes == trials ? 1.0 : interval.high);
  return interval;
}

double quantile_of_sorted(const std::vector<double>& sorted, double p) {
  const double h = static_cast<double>(sorted.size() - 1) * p;
  const auto below = static_cast<std::size_t>(std::floor(h));
  if (below + 1 >= sorted.size()) return sorted.back();
  return sorted[below] + (h - static_cast<double>(below)) * (sorted[below + 1] - sorted[below]);
}

Quartiles quartiles(std::vector<double> values) {
  if (values.empty()) throw std::invalid_argument("quartiles of no values");
  std::sort(values.begin(), values.end());
  return Quartiles{values.front(), quantile_of_sorted(values, 0.25),
                   quantile_of_sorted(values, 0.5), quantile_of_sorted(values, 0.75),
                   values.back()};
}

}  // namespace carry::sweep
