// run_record.hpp: what a sweep keeps of each finished run, one JSON object per line of runs.jsonl:
//
//   {"hidden":16,"batch":32,"lr":4,"lr_rule":"fixed","seed":0,"bits":8,"max_steps":5000,
//    "until_accuracy":1,"check_every":10,"backend":"cpu","engine":"cpu","reached":true,
//    "diverged":false,"steps":350,"samples":11200,"steps_to_target":350,
//    "samples_to_target":11200,"seconds":0.021,"training_seconds":0.0031,"final_exact":1,
//    "final_bit_accuracy":1,"final_loss":0.0042}
//
// Every line stands alone: the run's settings, the sweep's shared settings and what happened.
// steps_to_target and samples_to_target are null for a run that did not reach the target; the
// final_* figures come from a full evaluation of the final weights (every pair of the evaluation
// set, float64) and are null when not finite (a diverged run's weights).
#pragma once

#include <optional>
#include <string>

#include "carry/sweep/grid.hpp"

namespace carry::sweep {

struct RunRecord {
  RunSpec run;  // run.index is not stored: it depends on the grid, the key does not
  SweepSettings settings;
  std::string engine;  // what trained it: "cpu", "reference", "cuda-per-run", ...
  bool reached = false;
  bool diverged = false;
  std::int64_t steps = 0;  // steps trained (to the target, to divergence, or all of them)
  double seconds = 0.0;    // the run's wall time: training, checks and the final evaluation
  double training_seconds = 0.0;
  std::optional<double> final_exact;
  std::optional<double> final_bit_accuracy;
  std::optional<double> final_loss;  // mean over the pairs of ½ Σ_t (y_t - out_t)²
};

// One line of runs.jsonl, '\n' included.
std::string record_line(const RunRecord& record);
// Reads one line (without its '\n'); throws UserError naming `where` when it is not a record.
RunRecord parse_record_line(const std::string& line, const std::string& where);

bool same_settings(const SweepSettings& a, const SweepSettings& b);

}  // namespace carry::sweep
