// signal_guard.hpp: turns SIGINT, SIGTERM and SIGHUP (the terminal closed) into a request to
// stop that the training loop polls between steps, so a stopped run can finish its step and save
// its checkpoint.
//
// The first signal only sets a flag (an atomic int, safe to touch from a signal handler and
// from any thread). A second signal of either kind means "now": the process writes one line to
// stderr and leaves at once with _exit(128 + signal), without flushing or saving anything, so a
// checkpoint being written is left as it was (files are replaced by rename, never rewritten).
#pragma once

namespace carry {

class StopSignalGuard {
 public:
  // Installs the handlers; only one guard may exist at a time (std::logic_error otherwise).
  StopSignalGuard();
  // Restores the handlers that were there before.
  ~StopSignalGuard();
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;

  bool stop_requested() const { return signal_number() != 0; }
  // The first signal received (SIGINT, SIGTERM or SIGHUP), or 0.
  int signal_number() const;
};

// The shell's convention for a process ended by `signal`: 128 + its number (129 for SIGHUP,
// 130 for SIGINT, 143 for SIGTERM).
constexpr int exit_status_for_signal(int signal) {
  return 128 + signal;
}

// "SIGINT", "SIGTERM", "SIGHUP", or "a signal" for any other.
const char* signal_name(int signal);

}  // namespace carry
