// carry_process.hpp: runs the `carry` program as a real child process for the command-line
// tests: its stdout and stderr read as they come (so a test can wait for a report line), signals
// sent to it, its exit status collected.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace carry::testing {

class CarryProcess {
 public:
  // Starts `argv` (argv[0] is the program's path) with stdin from /dev/null, and with
  // `environment` ("NAME=value" each) added to this process's environment.
  explicit CarryProcess(const std::vector<std::string>& argv,
                        const std::vector<std::string>& environment = {});
  // Kills (SIGKILL) and reaps the child if it is still running.
  ~CarryProcess();
  CarryProcess(const CarryProcess&) = delete;
  CarryProcess& operator=(const CarryProcess&) = delete;

  // Reads output until stdout has `count` complete lines starting with `prefix`; false if the
  // child closes stdout or `timeout` passes first.
  bool wait_for_lines(const std::string& prefix, int count, std::chrono::milliseconds timeout);
  void send(int signal);
  // Closes the reading end of the child's stdout, as `| head -1` does once it has its line.
  void close_stdout();
  pid_t pid() const { return pid_; }
  // Reads everything, reaps the child and returns its exit status (128 + N if signal N ended it).
  int wait();

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  // Reads what is available within `timeout`; false once both pipes are closed.
  bool pump(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  int status_ = -1;
  std::string unpinned_;  // unpinned_training() of a carry process in a cpu-labelled test
  std::string command_;   // its arguments, for the failure message
};

// The argv of `carry ARGS...`.
std::vector<std::string> carry_argv(const std::vector<std::string>& args);
// `text` split at spaces: "train --batch 0" -> {"train", "--batch", "0"}. For command lines whose
// arguments contain no spaces (nothing is quoted, no shell is involved).
std::vector<std::string> words(const std::string& text);

struct CarryResult {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs `argv` to the end.
CarryResult run_to_end(const std::vector<std::string>& argv,
                       const std::vector<std::string>& environment = {});
CarryResult run_carry(const std::vector<std::string>& args);
// `carry ARGS...` with `environment` added ("LC_ALL=C.UTF-8").
CarryResult run_carry_with(const std::vector<std::string>& environment,
                           const std::vector<std::string>& args);

// Counts the lines of `text` (its '\n's).
int line_count(const std::string& text);

// --- Tests labelled `cpu` must hold on a GPU machine too ------------------------------------
// There `--backend auto` (the default of `train` and `time-steps`) picks cuda, so a cpu-labelled
// test that trains without naming its backend would run something else there. ctest sets
// CARRY_TEST_LABEL=cpu for those tests (tests/CMakeLists.txt), and then every `carry` process
// started here is checked: an invocation that trains on whatever auto picks and is not refused
// as bad input (exit status 2) fails the test that ran it.

// Why `args` (carry's arguments) would train on whatever auto picks, or "" when they cannot:
// `train` without --backend (or with auto), unless --resume (the checkpoint's backend),
// --seed-compat (reference only) or --help; `time-steps` likewise; `bench` whose --backend list
// names auto or cuda.
std::string unpinned_training(const std::vector<std::string>& args);

// The backend a cpu test names to run what auto runs on a machine without a GPU.
std::string cpu_backend_here();

// While one exists, unpinned invocations are allowed (for a test of auto itself, which must skip
// where a GPU is usable).
class AutoBackendAllowed {
 public:
  AutoBackendAllowed();
  ~AutoBackendAllowed();
  AutoBackendAllowed(const AutoBackendAllowed&) = delete;
  AutoBackendAllowed& operator=(const AutoBackendAllowed&) = delete;
};

}  // namespace carry::testing
