// peers_location.cpp: see peers_location.hpp. Linux: /proc/self/exe names the executable.
#include "peers_location.hpp"

#include <unistd.h>

#include <vector>

#include "carry/errors.hpp"

namespace carry::cli {

namespace {
std::string executable_folder() {
  std::vector<char> path(4096);
  const ssize_t length = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (length <= 0) return ".";
  const std::string executable(path.data(), static_cast<std::size_t>(length));
  const std::size_t slash = executable.find_last_of('/');
  return slash == std::string::npos || slash == 0 ? "/" : executable.substr(0, slash);
}
}  // namespace

std::string default_peers_dir() {
  const std::string folder = executable_folder();
  const std::string candidates[] = {folder + "/../bench/peers", folder + "/bench/peers"};
  for (const std::string& candidate : candidates) {
    if (::access((candidate + "/torch_rnn.py").c_str(), R_OK) == 0) return candidate;
  }
  throw UserError("--peers: no peer scripts in " + candidates[0] + " or " + candidates[1] +
                  " (found from carry's own path); give their folder with --peers-dir");
}

}  // namespace carry::cli
