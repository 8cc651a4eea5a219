// manifest.hpp: sweep.json, what a sweep folder holds: the settings every run shares and the
// grids whose runs belong in it (one, or more after --extend), each with its shard.
//
//   {"format": "carry-sweep", "version": 1,
//    "settings": {"backend":"cpu","bits":8,"steps":5000,"until_accuracy":1.0,"check_every":10},
//    "grids": [
//     {"hidden":[2,3,4],"batch":[1,16,256],"lr":"auto","seeds":[[0,99]],"shard":[0,1]}
//    ]}
//
// Integer lists hold numbers and [first, last] for runs of consecutive values; "lr" is "auto" or
// a list of numbers (written so that they read back bit for bit); "shard" is [K, N].
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "carry/sweep/grid.hpp"

namespace carry::sweep {

struct GridEntry {
  SweepGrid grid;
  Shard shard;
};

struct Manifest {
  SweepSettings settings;
  std::vector<GridEntry> grids;
};

std::string manifest_json(const Manifest& manifest);
// Throws UserError naming `source` when the text is not a sweep manifest.
Manifest parse_manifest(const std::string& text, const std::string& source);
// Nothing when `path` does not exist.
std::optional<Manifest> read_manifest(const std::string& path);
void write_manifest(const std::string& path, const Manifest& manifest);  // atomically

bool same_grid(const SweepGrid& a, const SweepGrid& b);
// "--hidden 2,3,4 --batch 1,16,256 --lr auto --seeds 0..99", for messages.
std::string grid_text(const SweepGrid& grid);
// "--steps 5000 against 10000" for the first setting that differs; "" when none does.
std::string settings_difference(const SweepSettings& mine, const SweepSettings& theirs);
// "0..9,20", the shortest form of a list of whole numbers.
std::string list_text(const std::vector<std::int64_t>& values);

}  // namespace carry::sweep
