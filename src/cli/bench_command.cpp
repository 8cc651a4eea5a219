// bench_command.cpp: `carry bench`, training throughput per backend and batch size, with the
// machine's float32 peak and, with --peers, the peer implementations measured in the same run.
#include <unistd.h>

#include <sys/stat.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "carry/bench.hpp"
#include "carry/errors.hpp"
#include "carry/peers.hpp"
#include "carry/trainer.hpp"
#include "cli/commands.hpp"

namespace carry::cli {

namespace {

struct BenchOptions {
  std::vector<std::string> backends{"reference", "cpu"};
  std::vector<std::int64_t> batches{1, 16, 256, 4096, 16384, 65536};
  int hidden = 16;
  int bits = 8;
  double lr = 1.0;
  int threads = 0;
  int repeats = 5;
  double seconds = 0.2;
  bool peers = false;
  std::string peers_dir = CARRY_SOURCE_DIR "/bench/peers";
  std::string out_dir;
};

// A status line that rewrites itself on a terminal and stays quiet in a log.
class Progress {
 public:
  Progress() : live_(::isatty(STDERR_FILENO) == 1) {}
  void show(const std::string& text) const {
    if (live_) std::fprintf(stderr, "\r\033[K%s", text.c_str());
  }
  void clear() const {
    if (live_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool live_;
};

void print_header() {
  std::printf("%-14s %-16s %8s %7s %13s %11s %9s %7s %8s\n", "backend", "variant", "batch",
              "threads", "samples/s", "steps/s", "GFLOP/s", "%peak", "RSS MiB");
}

void print_record(const BenchRecord& r) {
  std::printf("%-14s %-16s %8lld %7d %13.4g %11.4g %9.3f %6.1f%% %8.1f\n", r.backend.c_str(),
              r.variant.c_str(), static_cast<long long>(r.batch), r.threads, r.samples_per_s,
              r.steps_per_s, r.gflops, 100.0 * r.peak_fraction, r.peak_rss_mib);
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
  base.lr = options.lr;
  base.threads = options.threads;
  validate(base);
  if (options.repeats < 1) throw UserError("--repeats must be at least 1");
  if (!(options.seconds > 0.0)) throw UserError("--seconds must be above 0");
  for (std::int64_t batch : options.batches) {
    TrainConfig probe = base;
    probe.batch = batch;
    validate(probe);
  }
  std::vector<std::string> backends;
  for (const std::string& name : options.backends) backends.push_back(resolve_backend(name));
  if (!options.out_dir.empty()) make_folder(options.out_dir);

  const Progress progress;
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
              2.0 * options.bits * (3.0 * options.hidden * options.hidden + 7.0 * options.hidden));
  print_header();

  std::vector<BenchRecord> records;
  auto finish = [&](BenchRecord record) {
    progress.clear();
    record.device = device;
    record.commit = build_commit();
    record.peak_gflops = peak_for(record.threads);
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
      finish(measure_throughput(config, plan));
    }
    if (options.peers) {
      progress.show("measuring the PyTorch peer at batch " + std::to_string(batch));
      PeerRequest request;
      request.script = options.peers_dir + "/torch_rnn.py";
      request.batch = batch;
      request.hidden = options.hidden;
      request.bits = options.bits;
      request.lr = options.lr;
      request.threads =
          options.threads > 0 ? options.threads : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
      request.repeats = options.repeats;
      const PeerResult peer = run_peer(request);
      if (peer.ok) {
        finish(peer.record);
      } else {
        progress.clear();
        std::printf("%-14s skipped: %s\n", "pytorch", peer.error.c_str());
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
  bench->add_option("--lr", options->lr, "Learning rate")->capture_default_str();
  bench->add_option("--threads", options->threads, "cpu backend and peer threads (0 = all cores)")
      ->capture_default_str();
  bench->add_option("--repeats", options->repeats, "Timed repeats; the median is reported")
      ->capture_default_str();
  bench->add_option("--seconds", options->seconds, "About this long per repeat")
      ->capture_default_str();
  bench->add_flag("--peers", options->peers, "Also run the peers in bench/peers (PyTorch)");
  bench->add_option("--peers-dir", options->peers_dir, "Where the peer scripts are")
      ->capture_default_str();
  bench->add_option("--out", options->out_dir, "Write results.csv and results.json here");
  bench->callback([options] { run_bench(*options); });
}

}  // namespace carry::cli
