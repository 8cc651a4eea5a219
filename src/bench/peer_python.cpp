// peer_python.cpp: see peer_python.hpp.
#include "carry/peer_python.hpp"

#include <unistd.h>

#include <cstdlib>

#include "carry/peers.hpp"

namespace carry {

namespace {

bool executable_file(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0;
}

bool finds_torch(const std::string& python) {
  const std::string command =
      shell_quote(python) +
      " -c 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(\"torch\") else "
      "1)' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

}  // namespace

PeerPython choose_peer_python(const char* configured, const std::string& path_variable,
                              const std::function<bool(const std::string&)>& is_executable,
                              const std::function<bool(const std::string&)>& has_torch) {
  if (configured != nullptr && *configured != '\0') return {configured, "CARRY_PYTHON"};
  std::string on_path;
  for (std::size_t start = 0; start <= path_variable.size();) {
    std::size_t end = path_variable.find(':', start);
    if (end == std::string::npos) end = path_variable.size();
    const std::string folder = path_variable.substr(start, end - start);
    start = end + 1;
    if (folder.empty()) continue;
    const std::string candidate = folder + "/python3";
    if (is_executable(candidate)) {
      on_path = candidate;
      break;
    }
  }
  if (!on_path.empty() && has_torch(on_path)) return {on_path, "python3 on PATH, with torch"};
  for (const char* known : kKnownPythons) {
    if (known != on_path && is_executable(known) && has_torch(known)) {
      return {known, "a known environment with torch"};
    }
  }
  if (!on_path.empty()) return {on_path, "python3 on PATH; no python3 found with torch"};
  return {"/usr/bin/python3", "no python3 on PATH or with torch found"};
}

const PeerPython& peer_python_choice() {
  static const PeerPython choice = [] {
    const char* path = std::getenv("PATH");
    return choose_peer_python(std::getenv("CARRY_PYTHON"), path != nullptr ? path : "",
                              executable_file, finds_torch);
  }();
  return choice;
}

}  // namespace carry
