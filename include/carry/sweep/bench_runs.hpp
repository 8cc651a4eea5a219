// bench_runs.hpp: what `carry bench` measures through the sweep engine (engine.hpp).
//   time to accuracy  several seeds trained to 100% exact match on every 8-bit pair, the median
//                     and quartiles of their steps and training seconds
//   sweep throughput  many runs at one batch size packed on the threads a single run would use,
//                     beside that single run's samples/s
#pragma once

#include "carry/bench.hpp"

namespace carry::sweep {

// Trains config (bits 8) from each seed of plan.seeds until every 8-bit pair is added exactly or a
// cap is reached, checking every plan.check_every steps (as `carry train --report-every`);
// fills the record's target fields. Runs on the cpu or cuda backend go one after another, each
// on config.threads threads, so their seconds compare with the throughput measured beside them;
// the reference backend (one thread a run) trains one seed per core at once.
void measure_time_to_accuracy(const TrainConfig& config, const TargetPlan& plan,
                              BenchRecord& record);

// The sweep engine's training throughput at config.batch, measured as the single run's is: the
// median of `repeats` repeats, each a sweep of one run per worker (W = config.threads workers,
// one thread each; one run per lane slot, 16 / B a worker, in lanes over runs) of
// `steps_per_run` steps, samples trained over the engine's wall time (each run's start and final
// evaluation included). The record's variant is "sweep-" (or "sweep-lanes-") and the single run's.
BenchRecord measure_sweep_throughput(const TrainConfig& config, std::int64_t steps_per_run,
                                     const std::string& single_run_variant, bool lanes_over_runs,
                                     int repeats);

}  // namespace carry::sweep
