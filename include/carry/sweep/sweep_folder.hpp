// sweep_folder.hpp: a sweep's folder (--out DIR): sweep.json (manifest.hpp), runs.jsonl
// (record_log.hpp), summary.csv/json and the plots. Opening it for a sweep decides what is left
// to run; reading several (carry sweep report) merges their records.
//
// A folder holds one set of shared settings and the grids added to it. Starting a sweep in a
// folder that holds the same grid (and shard) continues it: recorded runs are skipped. Another
// grid is refused unless `extend` adds it; other settings are always refused (their runs could
// not be summarised together).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "carry/sweep/manifest.hpp"
#include "carry/sweep/record_log.hpp"

namespace carry::sweep {

constexpr const char* kManifestFile = "sweep.json";
constexpr const char* kRecordsFile = "runs.jsonl";

struct OpenSweep {
  Manifest manifest;
  std::vector<RunRecord> records;            // recorded before this start (all grids of the folder)
  std::vector<RunSpec> pending;              // this grid's runs of this shard not yet recorded
  std::int64_t runs_in_shard = 0;            // this grid's runs of this shard, recorded or not
  std::unique_ptr<RecordAppender> appender;  // runs.jsonl, locked
};

// Creates `folder` if needed, locks its runs.jsonl, checks the manifest and the records (see
// above; UserError with one line saying what to do), writes the manifest when the folder is new
// or `extend` added the grid, and returns what is left to run, largest runs first (batch × FLOP
// per sample; grid order among equals), so the longest runs do not start last.
OpenSweep open_sweep(const std::string& folder, const SweepSettings& settings,
                     const SweepGrid& grid, const Shard& shard, bool extend);

// Refuses (UserError) a sweep whose `workers` trainers at its largest batch and hidden size,
// plus the bookkeeping of its runs, would not fit in `available_bytes`.
void check_sweep_memory(const SweepSettings& settings, const SweepGrid& grid, int workers,
                        std::uint64_t available_bytes);

struct MergedSweeps {
  SweepSettings settings;
  std::vector<RunRecord> records;
  std::int64_t grid_runs = 0;  // distinct runs of the folders' grids, all shards
};

// Reads sweep folders for `carry sweep report`: every folder must hold the same settings and the
// same grids (shards aside), and no run may be recorded twice, in one folder or across them
// (UserError naming the folders and the run).
MergedSweeps merge_sweep_folders(const std::vector<std::string>& folders);

}  // namespace carry::sweep
