// signal_guard.cpp: see signal_guard.hpp. POSIX sigaction; the handler only uses
// async-signal-safe calls (an atomic store, write, _exit).
#include "carry/signal_guard.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>

namespace carry {

namespace {
static_assert(std::atomic<int>::is_always_lock_free, "the handler needs a lock-free atomic");

std::atomic<int> g_stop_signal{0};
std::atomic<bool> g_guard_installed{false};
struct sigaction g_previous_interrupt;
struct sigaction g_previous_terminate;
struct sigaction g_previous_hangup;

extern "C" void on_stop_signal(int signal) {
  if (g_stop_signal.load() != 0) {
    static const char note[] = "\ncarry: second interrupt, exiting at once without saving\n";
    const ssize_t ignored = ::write(STDERR_FILENO, note, sizeof note - 1);
    (void)ignored;
    ::_exit(exit_status_for_signal(signal));
  }
  g_stop_signal.store(signal);
}

void install(int signal, struct sigaction* previous) {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // Restart interrupted reads and writes, so a signal never turns into an I/O error.
  action.sa_flags = SA_RESTART;
  ::sigaction(signal, &action, previous);
}
}  // namespace

StopSignalGuard::StopSignalGuard() {
  if (g_guard_installed.exchange(true)) {
    throw std::logic_error("only one StopSignalGuard may exist at a time");
  }
  g_stop_signal.store(0);
  install(SIGINT, &g_previous_interrupt);
  install(SIGTERM, &g_previous_terminate);
  install(SIGHUP, &g_previous_hangup);
}

StopSignalGuard::~StopSignalGuard() {
  ::sigaction(SIGINT, &g_previous_interrupt, nullptr);
  ::sigaction(SIGTERM, &g_previous_terminate, nullptr);
  ::sigaction(SIGHUP, &g_previous_hangup, nullptr);
  g_stop_signal.store(0);
  g_guard_installed.store(false);
}

int StopSignalGuard::signal_number() const {
  return g_stop_signal.load();
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a signal";
  }
}

}  // namespace carry
