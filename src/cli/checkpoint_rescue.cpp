// checkpoint_rescue.cpp: see checkpoint_rescue.hpp.
#include "checkpoint_rescue.hpp"

#include <unistd.h>

#include <cstdlib>

#include "carry/errors.hpp"

namespace carry::cli {

std::vector<std::string> rescue_paths(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string file = "carry-rescued-" + std::to_string(::getpid()) + "-" + name;
  const char* temporary = std::getenv("TMPDIR");
  const std::string folder = temporary != nullptr && temporary[0] != '\0' ? temporary : "/tmp";
  return {folder + "/" + file, "./" + file};
}

SavedCheckpoint save_or_rescue(const std::string& path, const Checkpoint& checkpoint) {
  SavedCheckpoint saved;
  try {
    save_checkpoint(path, checkpoint);
    saved.path = path;
    return saved;
  } catch (const WriteError& error) {
    saved.problem = error.what();
  }
  std::string tried = saved.problem;
  for (const std::string& rescue : rescue_paths(path)) {
    try {
      save_checkpoint(rescue, checkpoint);
      saved.path = rescue;
      return saved;
    } catch (const UserError& error) {
      tried += "; " + std::string(error.what());
    }
  }
  throw ResourceError(tried + "; the run's weights could not be saved anywhere");
}

}  // namespace carry::cli
