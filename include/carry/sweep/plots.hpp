// plots.hpp: a sweep's summary drawn by gnuplot, as the bench draws its records: plots.gp holds
// the data inline and draws
//   success_rate.png       share of runs reaching the target against hidden size, one line per
//                          batch and rate, with the 95% Wilson interval as error bars
//   steps_to_target.png    median steps to target against batch size, one line per hidden size
//                          and rate, quartiles as error bars (runs that reached the target)
//   steps_distribution.png per setting, the steps to target of the runs that reached it: box
//                          from the first to the third quartile, the median, whiskers to the
//                          extremes
#pragma once

#include <string>
#include <vector>

#include "carry/sweep/summary.hpp"

namespace carry::sweep {

std::string sweep_gnuplot_script(const std::vector<SettingSummary>& rows, const std::string& title);
// Writes plots.gp into `folder` and runs gnuplot there; returns "" or what went wrong.
std::string render_sweep_plots(const std::string& folder, const std::vector<SettingSummary>& rows,
                               const std::string& title);
// "8-bit addition until 100% exact, up to 5000 steps, checked every 10, cpu backend".
std::string sweep_title(const SweepSettings& settings);

}  // namespace carry::sweep
