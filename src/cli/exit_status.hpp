// exit_status.hpp: what `carry` exits with, and how a subcommand asks for a status of its own.
//
//   0    success (including a run that used all its --steps without reaching its target)
//   1    carry itself failed: out of memory, an internal error, standard output lost, a failed
//        self-check of cuda; or what it checked is wrong (verify: the backends disagree; add:
//        the network's answer)
//   2    bad input: an option, a file, a checkpoint (one line on stderr says which and why)
//   3    training diverged (the divergence guard; a lower --lr is the usual cure)
//   4    training ended but its checkpoint could not be written where asked: it was saved to a
//        rescue file instead, which the line on stderr names
//   129  stopped by SIGHUP, 130 by SIGINT (Ctrl-C), 143 by SIGTERM: 128 + the signal's number
#pragma once

#include <exception>

namespace carry::cli {

constexpr int kExitSuccess = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDiverged = 3;
constexpr int kExitSavedElsewhere = 4;

// Thrown by a subcommand that has said all it has to say and must exit with `status`.
class ExitRequest : public std::exception {
 public:
  explicit ExitRequest(int status) : status_(status) {}
  int status() const { return status_; }
  const char* what() const noexcept override { return "exit requested"; }

 private:
  int status_;
};

}  // namespace carry::cli
