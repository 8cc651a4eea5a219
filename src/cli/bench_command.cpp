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

#include "carry/atomic_file.hpp"
#include "carry/backends.hpp"
#include "carry/bench.hpp"
#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/flops.hpp"
#include "carry/memory_budget.hpp"
#include "carry/peer_python.hpp"
#include "carry/peers.hpp"
#include "carry/resume.hpp"
#include "carry/sweep/bench_runs.hpp"
#include "carry/sweep/lanes_worker.hpp"
#include "carry/trainer.hpp"
#include "carry/write_target.hpp"
#include "commands.hpp"
#include "output.hpp"
#include "peers_location.hpp"
#include "progress_line.hpp"
#include "typed_options.hpp"
#include "value_lists.hpp"

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
  std::string peers_dir;       // empty: default_peers_dir()
  std::string seeds = "0..9";  // time to accuracy: one run per seed
  bool sweep_throughput = false;
  std::string out_dir;
  bool show_peer_python = false;
};

// Peer scripts the bench runs with --peers, (script, extra arguments): eager PyTorch, JAX, and
// compiled PyTorch (torch 2 only) last, as its compilation takes longest.
const std::pair<const char*, const char*> kPeers[] = {
    {"torch_rnn.py", ""}, {"jax_rnn.py", ""}, {"torch_rnn.py", "--compile"}};

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

// The --out folder, made if missing, and every file the bench will write there checked, so
// that nothing the bench measured is lost to an unwritable output at the end.
void prepare_out_folder(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (!S_ISDIR(info.st_mode)) {
      throw UserError("--out " + path + ": it is " +
                      (S_ISREG(info.st_mode) ? std::string("a file") : kind_of_file(info.st_mode)) +
                      ", not a folder (the bench writes several files into it)");
    }
  } else if (::mkdir(path.c_str(), 0777) != 0) {
    throw UserError("cannot create " + path + ": " + std::strerror(errno));
  }
  // gnuplot writes the pictures itself: a FIFO there would make it wait forever.
  for (const char* name :
       {"results.csv", "results.json", "plots.gp", "throughput.png", "time_to_accuracy.png"}) {
    check_writable(path + "/" + name);
  }
}

// Every peer script, found before anything is measured.
void check_peer_scripts(const std::string& folder) {
  for (const auto& peer : kPeers) {
    const std::string script = folder + "/" + peer.first;
    if (::access(script.c_str(), R_OK) != 0) {
      throw UserError("--peers: cannot read " + script + " (" + std::strerror(errno) +
                      "); give the folder of the peer scripts with --peers-dir");
    }
  }
}

void run_bench(BenchOptions& options) {
  if (options.show_peer_python) {
    const PeerPython& python = peer_python_choice();
    std::printf("%s\t%s\n", python.path.c_str(), python.why.c_str());
    return;
  }
  TrainConfig base;
  base.hidden = options.hidden;
  base.bits = options.bits;
  base.lr = options.lr > 0 ? options.lr : 1.0;
  base.threads = options.threads;
  base.kernel = options.kernel;
  validate_run(base);
  // Time to accuracy is defined on all 8-bit pairs.
  const bool measure_target = options.time_to_accuracy && options.bits == 8;
  TargetPlan target = options.target;
  target.seeds = parse_integer_list(options.seeds, "--seeds", 0, kMaxSeed);
  std::vector<std::string> backends;
  for (const std::string& name : options.backends) backends.push_back(resolve_backend(name));
  // Everything that could fail later is checked before the first measurement.
  const std::uint64_t available = available_memory_bytes();
  for (std::int64_t batch : options.batches) {
    for (const std::string& backend : backends) {
      TrainConfig probe = base;
      probe.batch = batch;
      probe.backend = backend;
      validate_run(probe);
      check_batch_fits(probe, training_memory_need(probe), available);
      // Time to accuracy may run check_every steps past its cap.
      if (measure_target &&
          !run_length_fits(options.target.check_every, options.target.max_steps, batch)) {
        throw UserError("--target-steps " + std::to_string(options.target.max_steps) +
                        " at --batch " + std::to_string(batch) +
                        " would pass 2^63 - 1 steps or samples; give a smaller --target-steps");
      }
    }
  }
  if (options.peers) {
    if (options.peers_dir.empty()) options.peers_dir = default_peers_dir();
    check_peer_scripts(options.peers_dir);
  }
  if (!options.out_dir.empty()) prepare_out_folder(options.out_dir);

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
  if (options.peers) {
    const PeerPython& python = peer_python_choice();
    std::printf("peers run with %s (%s)\n", python.path.c_str(), python.why.c_str());
  }
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
    // Rewritten (atomically) after every record, so a bench stopped early keeps what it measured.
    if (!options.out_dir.empty()) {
      write_records_csv(options.out_dir + "/results.csv", records);
      write_records_json(options.out_dir + "/results.json", records);
    }
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
      // Each skips itself if its framework is missing.
      for (const auto& [script, arguments] : kPeers) {
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
  BenchOptions& o = *options;
  add_choice_list(bench, "--backend", o.backends, backend_names(), "Backends, comma-separated");
  add_integer_list(bench, "--batch", o.batches, {1, kMaxBatch}, "Batch sizes, comma-separated");
  add_integer(bench, "--hidden", o.hidden, {1, kMaxHidden}, "Hidden units");
  add_integer(bench, "--bits", o.bits, {kMinBits, kMaxTrainBits}, "Bits per problem");
  add_choice(bench, "--kernel", o.kernel, cuda_kernel_names(), kCudaKernelHelp);
  add_real(bench, "--lr", o.lr, kZeroOrMore, "Learning rate (0: the batch-size rule)");
  add_integer(bench, "--threads", o.threads, {0, kMaxThreads},
              "cpu backend and peer threads (0 = all cores)");
  add_integer(bench, "--repeats", o.repeats, {1, 1000}, "Timed repeats; the median is reported");
  add_real(bench, "--seconds", o.seconds, {0.0, false, 3600.0, true}, "About this long per repeat");
  bench->add_flag("--peers", o.peers, "Also run the peers in bench/peers (PyTorch, JAX)");
  bench->add_flag("!--no-time-to-accuracy", o.time_to_accuracy,
                  "Skip training each backend to 100% exact match");
  add_integer(bench, "--check-every", o.target.check_every, {1, 1000000},
              "Steps between accuracy checks when timing to 100%");
  add_integer(bench, "--target-steps", o.target.max_steps, {1}, "Step cap for time to 100%");
  add_real(bench, "--target-seconds", o.target.max_seconds, {0.0, false, 86400.0, true},
           "Training-time cap for time to 100%");
  add_path(bench, "--peers-dir", o.peers_dir,
           "Where the peer scripts are (default: bench/peers of the source tree carry was built "
           "in, found from its own path)");
  add_choice(bench, "--peer-device", o.peer_device, {"cpu", "cuda"}, "Where peers run");
  add_real(bench, "--gpu-peak-gflops", o.gpu_peak_gflops, kZeroOrMore,
           "The GPU's float32 peak for the %peak column (e.g. 67000 for an H200)");
  add_path(bench, "--out", o.out_dir, "Write results.csv, results.json and plots here");
  bench->add_flag("--show-peer-python", o.show_peer_python,
                  "Print the python3 the peers would run with (and why), then exit");
  bench->add_option("--seeds", o.seeds, "Time to 100%: seeds, a list or range (one run each)")
      ->capture_default_str();
  bench->add_flag("--sweep-throughput", o.sweep_throughput,
                  "Also measure carry sweep's packed runs beside each single run (not cuda)");
  bench->callback([options] { run_bench(*options); });
}

}  // namespace carry::cli
