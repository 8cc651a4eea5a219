// carry_process.cpp: see carry_process.hpp. POSIX fork/exec, pipes and poll.
#include "carry_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "carry/backends.hpp"

namespace carry::testing {

namespace {

int auto_backend_allowed = 0;  // AutoBackendAllowed objects alive

bool in_cpu_labelled_test() {
  const char* label = std::getenv("CARRY_TEST_LABEL");
  return label != nullptr && std::string(label) == "cpu" && auto_backend_allowed == 0;
}

bool has(const std::vector<std::string>& args, const std::string& option) {
  return std::find(args.begin(), args.end(), option) != args.end();
}

// The value of `option` ("--backend x" or "--backend=x"), or `fallback` when absent.
std::string value_of(const std::vector<std::string>& args, const std::string& option,
                     const std::string& fallback) {
  for (std::size_t k = 0; k < args.size(); ++k) {
    if (args[k] == option && k + 1 < args.size()) return args[k + 1];
    if (args[k].rfind(option + "=", 0) == 0) return args[k].substr(option.size() + 1);
  }
  return fallback;
}

}  // namespace

std::string unpinned_training(const std::vector<std::string>& args) {
  if (args.empty() || has(args, "--help") || has(args, "-h")) return "";
  const std::string& command = args[0];
  if (command == "sweep" && args.size() > 1 && args[1] == "report") return "";
  if (command == "train" || command == "time-steps" || command == "sweep") {
    if (command == "train" && (has(args, "--resume") || has(args, "--seed-compat"))) return "";
    if (value_of(args, "--backend", "auto") != "auto") return "";
    return "`carry " + command + "` without --backend trains on cuda where a GPU is usable";
  }
  if (command == "bench") {
    const std::string list = "," + value_of(args, "--backend", "reference,cpu") + ",";
    if (list.find(",auto,") == std::string::npos && list.find(",cuda,") == std::string::npos) {
      return "";
    }
    return "`carry bench --backend " + list.substr(1, list.size() - 2) +
           "` measures cuda where a GPU is usable";
  }
  return "";
}

std::string cpu_backend_here() {
  return best_cpu_backend();
}

AutoBackendAllowed::AutoBackendAllowed() {
  ++auto_backend_allowed;
}

AutoBackendAllowed::~AutoBackendAllowed() {
  --auto_backend_allowed;
}

CarryProcess::CarryProcess(const std::vector<std::string>& argv,
                           const std::vector<std::string>& environment) {
  if (!argv.empty() && argv[0] == CARRY_BINARY && in_cpu_labelled_test()) {
    const std::vector<std::string> args(argv.begin() + 1, argv.end());
    unpinned_ = unpinned_training(args);
    for (const std::string& arg : args) command_ += " " + arg;
  }
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<char*> arguments;
  for (const std::string& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    for (const std::string& assignment : environment)
      ::putenv(const_cast<char*>(assignment.c_str()));
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::execv(arguments[0], arguments.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
}

CarryProcess::~CarryProcess() {
  if (pid_ > 0 && status_ < 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

bool CarryProcess::pump(std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  const int open_pipes = (out_fd_ >= 0) + (err_fd_ >= 0);
  if (open_pipes == 0) return false;
  if (::poll(fds, 2, static_cast<int>(timeout.count())) <= 0) return true;
  int* descriptors[2] = {&out_fd_, &err_fd_};
  std::string* buffers[2] = {&out_, &err_};
  for (int k = 0; k < 2; ++k) {
    if (fds[k].fd < 0 || fds[k].revents == 0) continue;
    char chunk[4096];
    const ssize_t n = ::read(fds[k].fd, chunk, sizeof chunk);
    if (n > 0) {
      buffers[k]->append(chunk, static_cast<std::size_t>(n));
    } else {
      ::close(fds[k].fd);
      *descriptors[k] = -1;
    }
  }
  return true;
}

bool CarryProcess::wait_for_lines(const std::string& prefix, int count,
                                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int found = 0;
    std::size_t start = 0;
    for (std::size_t end; (end = out_.find('\n', start)) != std::string::npos; start = end + 1) {
      if (out_.compare(start, prefix.size(), prefix) == 0) ++found;
    }
    if (found >= count) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || out_fd_ < 0) return false;
    if (!pump(std::min(left, std::chrono::milliseconds(100)))) return false;
  }
}

void CarryProcess::send(int signal) {
  ::kill(pid_, signal);
}

void CarryProcess::close_stdout() {
  if (out_fd_ >= 0) ::close(out_fd_);
  out_fd_ = -1;
}

int CarryProcess::wait() {
  while (pump(std::chrono::milliseconds(1000))) {
  }
  if (status_ < 0) {
    int raw = 0;
    ::waitpid(pid_, &raw, 0);
    status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    // Refused as bad input (2), it never trained; anything else ran on what auto picked.
    if (!unpinned_.empty() && status_ != 2) {
      ADD_FAILURE() << "a cpu-labelled test ran `carry" << command_ << "`: " << unpinned_
                    << "; name the backend (--backend " << cpu_backend_here()
                    << ": cpu_backend_here()), or hold an AutoBackendAllowed in a test that "
                       "skips where a GPU is usable";
    }
  }
  return status_;
}

std::vector<std::string> carry_argv(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {CARRY_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> split;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find(' ', start), text.size());
    if (end > start) split.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return split;
}

CarryResult run_to_end(const std::vector<std::string>& argv,
                       const std::vector<std::string>& environment) {
  CarryProcess process(argv, environment);
  CarryResult result;
  result.status = process.wait();
  result.out = process.out();
  result.err = process.err();
  return result;
}

CarryResult run_carry(const std::vector<std::string>& args) {
  return run_to_end(carry_argv(args));
}

CarryResult run_carry_with(const std::vector<std::string>& environment,
                           const std::vector<std::string>& args) {
  return run_to_end(carry_argv(args), environment);
}

int line_count(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace carry::testing
