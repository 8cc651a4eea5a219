// peers_location.hpp: where `carry bench --peers` finds the peer scripts (bench/peers/*.py) when
// --peers-dir is not given. Nothing is fixed at build time, so a build folder or a binary can be
// moved: the folder is found from the running executable's own path.
#pragma once

#include <string>

namespace carry::cli {

// bench/peers in the executable's folder's parent (a build folder inside the source tree, such as
// build/carry), or in the executable's folder; the first that holds torch_rnn.py. Throws
// UserError naming both when neither does.
std::string default_peers_dir();

}  // namespace carry::cli
