// bench_command.cpp: `carry bench`, training throughput per backend and batch size, with the
// machine's float32 peak and, with --peers, the peer implementations measured in the same run.
#include <unistd.h>

#include <sys/stat.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "carry/bench.hpp"
#include "carry/errors.hpp"
#include "carry/flops.hpp"
#include "carry/fused_plan.hpp"
#include "carry/peers.hpp"
#include "carry/trainer.hpp"
#include "cli/commands.hpp"
#include "cli/progress_line.hpp"
#include "cli/value_lists.hpp"
#include "sweep/bench_runs.hpp"
#include "sweep/lanes_worker.hpp"

namespace carry::cli {

namespace {

struct BenchOptions {
  std::vector<std::string> backends{"reference", "cpu"};
  std::vector<std::int64_t> batches{1, 16, 256, 4096, 16384, 65536};
  int hidden = 16;
  int bits = 8;
  double lr = 0.0;  // 0: bench_learning_rate(batch)
  int threads = 0;
  std::string kernel = "chain";  // cuda backend
  int repeats = 5;
  double seconds = 0.2;
  bool peers = false;
  double gpu_peak_gflops = 0.0;  // the GPU's float32 peak, as told (not measured)
  std::string peer_device = "cpu";
  bool time_to_accuracy = true;
  TargetPlan target;
  std::string seeds = "0..9";  // time to accuracy: one run per seed
  bool sweep_throughput = false;
  std::string peers_dir = CARRY_SOURCE_DIR "/bench/peers";
  std::string out_dir;
};

void print_header() {
  std::printf("%-14s %-26s %8s %4s %6s %11s %10s %9s %7s %8s  %s\n", "backend", "variant", "batch",
              "thr", "lr", "samples/s", "steps/s", "GFLOP/s", "%peak", "RSS MiB", "to 100% exact");
}

std::string describe_target(const BenchRecord& r) {
  if (!r.target_measured) return "-";
  char text[128];
  if (r.target_successes == 0) {
    std::snprintf(text, sizeof text, "not within %g steps, %.3g s (0/%d seeds)", r.steps_to_target,
                  r.seconds_to_target, r.target_runs);
  } else {
    std::snprintf(text, sizeof text, "%g [%g, %g] steps, %.3g s (%d/%d seeds)", r.steps_to_target,
                  r.steps_to_target_q1, r.steps_to_target_q3, r.seconds_to_target,
                  r.target_successes, r.target_runs);
  }
  return text;
}

void print_record(const BenchRecord& r) {
  std::printf("%-14s %-26s %8lld %4d %6g %11.4g %10.4g %9.3f %6.1f%% %8.1f  %s\n",
              r.backend.c_str(), r.variant.c_str(), static_cast<long long>(r.batch), r.threads,
              r.lr, r.samples_per_s, r.steps_per_s, r.gflops, 100.0 * r.peak_fraction,
              r.peak_rss_mib, describe_target(r).c_str());
  std::fflush(stdout);
}

void make_folder(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    throw UserError("cannot create " + path + ": " + std::strerror(errno));
  }
}

void run_bench(const BenchOptions& options) {
  TrainConfig base;
  base.hidden = options.hidden;
  base.bits = options.bits;
  base.lr = options.lr > 0 ? options.lr : 1.0;
  base.threads = options.threads;
  base.kernel = options.kernel;
  validate(base);
  if (options.lr < 0) throw UserError("--lr must be above 0 (or 0 for the batch-size rule)");
  if (options.target.check_every < 1) throw UserError("--check-every must be at least 1");
  // Time to accuracy is defined on all 8-bit pairs.
  const bool measure_target = options.time_to_accuracy && options.bits == 8;
  if (options.repeats < 1) throw UserError("--repeats must be at least 1");
  TargetPlan target = options.target;
  target.seeds = parse_integer_list(options.seeds, "--seeds", 0, kMaxSeed);
  if (!(options.seconds > 0.0)) throw UserError("--seconds must be above 0");
  for (std::int64_t batch : options.batches) {
    TrainConfig probe = base;
    probe.batch = batch;
    validate(probe);
  }
  std::vector<std::string> backends;
  for (const std::string& name : options.backends) backends.push_back(resolve_backend(name));
  if (!options.out_dir.empty()) make_folder(options.out_dir);

  const ProgressLine progress;
  const std::string device = cpu_model_name();
  std::map<int, double> peak_by_threads;
  auto peak_for = [&](int threads) {
    auto it = peak_by_threads.find(threads);
    if (it == peak_by_threads.end()) {
      progress.show("measuring the float32 peak on " + std::to_string(threads) + " threads");
      it = peak_by_threads.emplace(threads, measure_cpu_peak_gflops(threads)).first;
    }
    return it->second;
  };
  std::printf("machine: %s; commit %s\n", device.c_str(), build_commit().c_str());
  std::printf("model: H %d, T %d, %.0f FLOP per sample per step\n", options.hidden, options.bits,
              training_flops_per_sample(options.hidden, options.bits));
  print_header();

  std::vector<BenchRecord> records;
  auto finish = [&](BenchRecord record) {
    progress.clear();
    if (record.device.empty()) record.device = device;  // CPU runs; GPU records name their GPU
    record.commit = build_commit();
    const bool on_gpu = record.backend == "cuda" || record.device.find("cuda") != std::string::npos;
    record.peak_gflops = on_gpu ? options.gpu_peak_gflops : peak_for(record.threads);
    record.peak_fraction = record.peak_gflops > 0 ? record.gflops / record.peak_gflops : 0.0;
    print_record(record);
    records.push_back(record);
  };
  ThroughputPlan plan;
  plan.repeats = options.repeats;
  plan.seconds_per_repeat = options.seconds;
  for (std::int64_t batch : options.batches) {
    for (const std::string& backend : backends) {
      progress.show("measuring " + backend + " at batch " + std::to_string(batch));
      TrainConfig config = base;
      config.backend = backend;
      config.batch = batch;
      config.lr = options.lr > 0 ? options.lr : bench_learning_rate(batch);
      BenchRecord record = measure_throughput(config, plan);
      if (measure_target) {
        progress.show("time to 100% for " + backend + " at batch " + std::to_string(batch));
        sweep::measure_time_to_accuracy(config, target, record);
      }
      finish(record);
      if (options.sweep_throughput && backend != "cuda") {
        progress.show("measuring sweeps of " + backend + " runs at batch " + std::to_string(batch));
        // Repeats of about --seconds as the single run's: runs of the steps a thread of the
        // single run makes in that time (a run alone on each worker).
        const auto steps = std::max<std::int64_t>(
            10, static_cast<std::int64_t>(options.seconds * record.samples_per_s /
                                          static_cast<double>(batch * record.threads)));
        TrainConfig sweep_config = config;
        sweep_config.threads = options.threads;
        // Runs alone, and where they take lanes over runs (cpu, batches up to 8), that too.
        finish(sweep::measure_sweep_throughput(sweep_config, steps, record.variant, false,
                                               options.repeats));
        if (backend == "cpu" && batch <= sweep::kLanesMaxBatch) {
          finish(sweep::measure_sweep_throughput(sweep_config, steps, record.variant, true,
                                                 options.repeats));
        }
      }
    }
    if (options.peers) {
      // Eager PyTorch, compiled PyTorch (torch 2 only) and JAX; each skips itself if missing.
      const std::pair<const char*, const char*> peers[] = {
          {"torch_rnn.py", ""}, {"torch_rnn.py", "--compile"}, {"jax_rnn.py", ""}};
      for (const auto& [script, arguments] : peers) {
        progress.show(std::string("measuring ") + script + " " + arguments + " at batch " +
                      std::to_string(batch));
        PeerRequest request;
        request.script = options.peers_dir + "/" + script;
        request.extra_arguments = arguments;
        request.device = options.peer_device;
        request.batch = batch;
        request.hidden = options.hidden;
        request.bits = options.bits;
        request.lr = options.lr > 0 ? options.lr : bench_learning_rate(batch);
        request.threads =
            options.threads > 0 ? options.threads : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
        request.repeats = options.repeats;
        const PeerResult peer = run_peer(request);
        if (peer.ok) {
          finish(peer.record);
        } else {
          progress.clear();
          std::printf("%-14s skipped (%s %s): %s\n", "peer", script, arguments, peer.error.c_str());
        }
      }
    }
  }
  std::printf("peak float32 FMA throughput measured here:");
  for (const auto& [threads, gflops] : peak_by_threads) {
    std::printf(" %.1f GFLOP/s on %d thread%s;", gflops, threads, threads == 1 ? "" : "s");
  }
  std::printf("\n");
  if (!options.out_dir.empty()) {
    write_records_csv(options.out_dir + "/results.csv", records);
    write_records_json(options.out_dir + "/results.json", records);
    std::printf("records written to %s/results.csv and results.json\n", options.out_dir.c_str());
    const std::string problem = render_plots(options.out_dir, records, device);
    if (problem.empty()) {
      std::printf("plots: %s/throughput.png%s\n", options.out_dir.c_str(),
                  measure_target ? " and time_to_accuracy.png" : "");
    } else {
      std::printf("plots not drawn: %s\n", problem.c_str());
    }
  }
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto options = std::make_shared<BenchOptions>();
  CLI::App* bench = app.add_subcommand("bench", "Measure training throughput across batch sizes");
  bench->add_option("--backend", options->backends, "Backends, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  bench->add_option("--batch", options->batches, "Batch sizes, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  bench->add_option("--hidden", options->hidden, "Hidden units")->capture_default_str();
  bench->add_option("--bits", options->bits, "Bits per problem")->capture_default_str();
  bench->add_option("--kernel", options->kernel, kCudaKernelHelp)->capture_default_str();
  bench->add_option("--lr", options->lr, "Learning rate (0: the batch-size rule)")
      ->capture_default_str();
  bench->add_option("--threads", options->threads, "cpu backend and peer threads (0 = all cores)")
      ->capture_default_str();
  bench->add_option("--repeats", options->repeats, "Timed repeats; the median is reported")
      ->capture_default_str();
  bench->add_option("--seconds", options->seconds, "About this long per repeat")
      ->capture_default_str();
  bench->add_flag("--peers", options->peers, "Also run the peers in bench/peers (PyTorch)");
  bench->add_flag("!--no-time-to-accuracy", options->time_to_accuracy,
                  "Skip training each backend to 100% exact match");
  bench
      ->add_option("--seeds", options->seeds, "Time to 100%: seeds, a list or range (one run each)")
      ->capture_default_str();
  bench->add_flag("--sweep-throughput", options->sweep_throughput,
                  "Also measure carry sweep's packed runs beside each single run (not cuda)");
  bench
      ->add_option("--check-every", options->target.check_every,
                   "Steps between accuracy checks when timing to 100%")
      ->capture_default_str();
  bench->add_option("--target-steps", options->target.max_steps, "Step cap for time to 100%")
      ->capture_default_str();
  bench
      ->add_option("--target-seconds", options->target.max_seconds,
                   "Training-time cap for time to 100%")
      ->capture_default_str();
  bench->add_option("--peers-dir", options->peers_dir, "Where the peer scripts are")
      ->capture_default_str();
  bench->add_option("--peer-device", options->peer_device, "Where peers run: cpu or cuda")
      ->capture_default_str();
  bench->add_option("--gpu-peak-gflops", options->gpu_peak_gflops,
                    "The GPU's float32 peak for the %peak column (e.g. 67000 for an H200)");
  bench->add_option("--out", options->out_dir, "Write results.csv and results.json here");
  bench->callback([options] { run_bench(*options); });
}

}  // namespace carry::cli
