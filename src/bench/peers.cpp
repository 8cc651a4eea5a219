// peers.cpp: runs a peer implementation (bench/peers/*.py) as a child process and turns the JSON
// line it prints into a benchmark record, so carry and its peers are measured in one run.
#include "carry/peers.hpp"

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "carry/flops.hpp"
#include "carry/peer_python.hpp"

namespace carry {

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string peer_python() {
  return peer_python_choice().path;
}

PeerResult run_peer(const PeerRequest& request) {
  const std::string command =
      shell_quote(peer_python()) + " " + shell_quote(request.script) + " --batch " +
      std::to_string(request.batch) + " --hidden " + std::to_string(request.hidden) + " --bits " +
      std::to_string(request.bits) + " --lr " + std::to_string(request.lr) + " --threads " +
      std::to_string(request.threads) + " --repeats " + std::to_string(request.repeats) +
      " --device " + shell_quote(request.device) +
      (request.extra_arguments.empty() ? "" : " " + request.extra_arguments) + " 2>&1";
  PeerResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    result.error = "cannot start " + peer_python();
    return result;
  }
  std::string output;
  std::array<char, 4096> buffer;
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = ::pclose(pipe);
  // The last line is the JSON record; anything else is the peer's complaint.
  const std::size_t start = output.rfind('{');
  if (status != 0 || start == std::string::npos) {
    const std::size_t last_line = output.find_last_of('\n', output.size() - 2);
    result.error = output.empty()
                       ? "no output"
                       : output.substr(last_line == std::string::npos ? 0 : last_line + 1);
    while (!result.error.empty() && result.error.back() == '\n') result.error.pop_back();
    return result;
  }
  const auto peer = nlohmann::json::parse(output.substr(start), nullptr, false);
  if (peer.is_discarded() || !peer.contains("samples_per_s")) {
    result.error = "unreadable output: " + output.substr(start);
    return result;
  }
  BenchRecord& r = result.record;
  r.backend = peer.value("peer", std::string("peer"));
  r.variant = peer.value("framework", std::string("?"));
  if (request.device != "cpu") r.device = peer.value("device", request.device);
  r.batch = request.batch;
  r.hidden = request.hidden;
  r.bits = request.bits;
  r.lr = request.lr;
  r.threads = peer.value("threads", request.threads);
  r.steps = peer.value("steps", 0);
  r.repeats = peer.value("repeats", request.repeats);
  r.samples_per_s = peer["samples_per_s"].get<double>();
  r.steps_per_s = peer.value("steps_per_s", 0.0);
  r.gflops = r.samples_per_s * training_flops_per_sample(request.hidden, request.bits) / 1e9;
  result.ok = true;
  return result;
}

}  // namespace carry
