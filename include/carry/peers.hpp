// peers.hpp: other implementations of the same model (bench/peers/), run by `carry bench --peers`
// as child processes so that every ratio comes from one run on one machine.
#pragma once

#include <cstdint>
#include <string>

#include "carry/bench.hpp"

namespace carry {

struct PeerRequest {
  std::string script;  // e.g. bench/peers/torch_rnn.py
  std::string device = "cpu";
  std::int64_t batch = 0;
  int hidden = 16;
  int bits = 8;
  double lr = 1.0;
  int threads = 0;
  int repeats = 5;
  std::string extra_arguments;
};

struct PeerResult {
  bool ok = false;
  std::string error;   // why no record (the peer's last line of output), when !ok
  BenchRecord record;  // device, peak and commit are left for the caller to fill in
};

// The Python interpreter for peers: $CARRY_PYTHON, else one that can import torch
// (peer_python.hpp).
std::string peer_python();
// `text` in single quotes for sh, with its own single quotes escaped.
std::string shell_quote(const std::string& text);
PeerResult run_peer(const PeerRequest& request);

}  // namespace carry
