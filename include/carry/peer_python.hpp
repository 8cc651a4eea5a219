// peer_python.hpp: which Python runs the peers of `carry bench --peers` (bench/peers/*.py). GPU
// machines usually keep PyTorch and JAX in a virtual environment rather than in the system's
// python3, so the interpreter is searched for, in this order:
//   1. $CARRY_PYTHON, as given (the user's choice, torch or not);
//   2. the first python3 on $PATH, if it can import torch;
//   3. the known virtual environments (kKnownPythons), the first that can import torch;
//   4. otherwise the first python3 on $PATH, else /usr/bin/python3 (each peer then skips itself,
//      saying what it misses).
// "Can import torch" is asked without importing it (importlib.util.find_spec: milliseconds).
#pragma once

#include <functional>
#include <string>

namespace carry {

constexpr const char* kKnownPythons[] = {
    "/opt/torch/.venv/bin/python3", "/opt/venv/bin/python3", "/opt/conda/bin/python3",
    "/usr/local/bin/python3",       "/usr/bin/python3",
};

struct PeerPython {
  std::string path;
  std::string why;  // how it was chosen, for the bench's output
};

// The search above over `configured` ($CARRY_PYTHON, null when unset) and `path_variable`
// ($PATH), asking `is_executable` and `has_torch` about candidates.
PeerPython choose_peer_python(const char* configured, const std::string& path_variable,
                              const std::function<bool(const std::string&)>& is_executable,
                              const std::function<bool(const std::string&)>& has_torch);

// The search with this process's environment and real interpreters (made once, then kept).
const PeerPython& peer_python_choice();

}  // namespace carry
