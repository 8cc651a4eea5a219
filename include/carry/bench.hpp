// bench.hpp: measuring carry: training throughput per backend and batch size, the time of a
// number of training steps (carry time-steps), the machine's float32 peak, and the records
// written as CSV and JSON. (Peers: peers.hpp; launch costs: launch_costs.hpp.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "carry/config.hpp"

namespace carry {

// One measurement; every field is written to results.csv and results.json.
struct BenchRecord {
  std::string backend;  // reference, cpu, cuda, or a peer ("pytorch")
  std::string variant;  // implementation detail: instruction set, kernel, framework version
  std::string device;   // CPU model or GPU name
  std::int64_t batch = 0;
  int hidden = 0;
  int bits = 0;
  double lr = 0.0;
  int threads = 0;
  std::int64_t steps = 0;  // steps per timed repeat
  int repeats = 0;
  double samples_per_s = 0.0;  // median over the repeats
  double steps_per_s = 0.0;
  double gflops = 0.0;         // samples_per_s · training_flops_per_sample / 1e9
  double peak_gflops = 0.0;    // the machine's measured float32 peak for these threads
  double peak_fraction = 0.0;  // gflops / peak_gflops
  double peak_rss_mib = 0.0;   // host memory high-water mark during the measurement
  // Time to 100% exact match on all 8-bit pairs (8-bit runs only; not measured for peers), over
  // several seeds: the median and quartiles of the seeds that reached it within the caps.
  bool target_measured = false;
  int target_runs = 0;           // seeds trained
  int target_successes = 0;      // seeds that reached 100% within the caps
  bool target_reached = false;   // every seed did
  double steps_to_target = 0.0;  // median (a cap when no seed reached it)
  double steps_to_target_q1 = 0.0;
  double steps_to_target_q3 = 0.0;
  double seconds_to_target = 0.0;  // median training time; the accuracy checks are not counted
  std::string commit;
};

struct ThroughputPlan {
  int warmup_steps = 3;
  double seconds_per_repeat = 0.2;  // steps per repeat are chosen to take about this long
  int repeats = 5;
};

// Trains `config` from the seed's initial weights and times it (a steady clock; every step
// ends with its weights updated on the host).
BenchRecord measure_throughput(const TrainConfig& config, const ThroughputPlan& plan);

struct TargetPlan {
  int check_every = 10;           // steps between exhaustive accuracy checks
  std::int64_t max_steps = 5000;  // give up after this many steps ...
  double max_seconds = 30.0;      // ... or this much training time
  std::vector<std::int64_t> seeds = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};  // one run each
};

// One `carry time-steps` measurement: config.steps training steps after `warmup` untimed ones,
// from the seed's initial weights, nothing else (no evaluation). config.backend must be resolved.
struct TrainingStepsTiming {
  // What samples/s is of: on cuda the GPU's work alone (CUDA events just before and after each
  // step's graph, summed); on the CPU the steady clock over the steps.
  double seconds = 0.0;
  double elapsed_seconds = 0.0;  // the whole stretch, the GPU's idle gaps included
  // The host's batch drawing (the chain), which overlaps the GPU's work; none for the fused
  // kernels, which draw on the GPU, and for CPU backends.
  std::optional<double> host_draw_seconds;
  std::string device;  // the GPU's name, or "cpu"
  std::string timer;   // "cuda-events" or "steady-clock"
  double last_loss = 0.0;
};
TrainingStepsTiming time_training_steps(const TrainConfig& config, std::int64_t warmup);

// The learning rate `carry bench` uses for a batch size (see lr_rule.cpp for the measurements).
double bench_learning_rate(std::int64_t batch);

// float32 FMA throughput of this processor's vector unit on `threads` threads, in GFLOP/s, with
// the instruction set the cpu backend uses (0 if it cannot run).
double measure_cpu_peak_gflops(int threads);
std::string cpu_model_name();
// The commit carry was built from ("unknown" outside a git checkout; "-dirty" if modified).
std::string build_commit();

void write_records_csv(const std::string& path, const std::vector<BenchRecord>& records);
void write_records_json(const std::string& path, const std::vector<BenchRecord>& records);
std::vector<BenchRecord> read_records_json(const std::string& text);

// A gnuplot script with the records inline that draws throughput.png and time_to_accuracy.png.
std::string gnuplot_script(const std::vector<BenchRecord>& records, const std::string& title);
// Writes plots.gp into `folder` and runs gnuplot there; returns "" or what went wrong.
std::string render_plots(const std::string& folder, const std::vector<BenchRecord>& records,
                         const std::string& title);
// Writes `script` to plots.gp in `folder` and runs gnuplot there; returns "" or what went wrong.
std::string render_gnuplot(const std::string& folder, const std::string& script);

}  // namespace carry
