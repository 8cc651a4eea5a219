// sweep_folder.cpp: see sweep_folder.hpp.
#include "carry/sweep/sweep_folder.hpp"
#include "carry/backends.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "carry/errors.hpp"
#include "carry/flops.hpp"
#include "carry/memory_budget.hpp"

namespace carry::sweep {

namespace {
std::string shard_text(const Shard& shard) {
  return shard.whole()
             ? ""
             : " --shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

// Refuses records made with other settings than the folder's, and runs recorded twice.
void check_records(const std::vector<RunRecord>& records, const SweepSettings& settings,
                   const std::string& path) {
  std::set<RunKey> seen;
  for (std::size_t k = 0; k < records.size(); ++k) {
    const RunRecord& r = records[k];
    const std::string where = "line " + std::to_string(k + 1) + " of " + path;
    if (!same_settings(r.settings, settings)) {
      throw UserError(where + " was made with other settings than its sweep.json (" +
                      settings_difference(r.settings, settings) + ")");
    }
    if (!seen.insert(key_of(r.run)).second) {
      throw UserError(where + " records " + describe(key_of(r.run)) +
                      " a second time; remove one of the two lines");
    }
  }
}

std::vector<RunSpec> pending_runs(const SweepGrid& grid, const Shard& shard, int bits,
                                  const std::vector<RunRecord>& records,
                                  std::int64_t& runs_in_shard) {
  std::set<RunKey> done;
  for (const RunRecord& r : records) done.insert(key_of(r.run));
  std::vector<RunSpec> pending;
  runs_in_shard = 0;
  for (std::int64_t i = shard.index; i < grid.runs(); i += shard.count) {
    ++runs_in_shard;
    const RunSpec run = run_of(grid, i);
    if (done.count(key_of(run)) == 0) pending.push_back(run);
  }
  auto cost = [bits](const RunSpec& run) {
    return static_cast<double>(run.batch) * training_flops_per_sample(run.hidden, bits);
  };
  std::stable_sort(pending.begin(), pending.end(),
                   [&](const RunSpec& a, const RunSpec& b) { return cost(a) > cost(b); });
  return pending;
}
}  // namespace

OpenSweep open_sweep(const std::string& folder, const SweepSettings& settings,
                     const SweepGrid& grid, const Shard& shard, bool extend) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) throw UserError("cannot create " + folder + ": " + error.message());
  const std::string manifest_path = folder + "/" + kManifestFile;
  const std::string records_path = folder + "/" + kRecordsFile;

  OpenSweep open;
  open.appender = std::make_unique<RecordAppender>(records_path);  // locked from here on
  const std::optional<Manifest> existing = read_manifest(manifest_path);
  open.records = read_run_records(records_path);
  bool write = true;
  if (!existing) {
    if (!open.records.empty()) {
      throw UserError(records_path + " holds runs but " + manifest_path +
                      " is missing, so their grid is unknown; use another --out");
    }
    open.manifest.settings = settings;
    open.manifest.grids.push_back(GridEntry{grid, shard});
  } else {
    open.manifest = *existing;
    const std::string difference = settings_difference(settings, existing->settings);
    if (!difference.empty()) {
      throw UserError(folder + " holds a sweep with other settings (" + difference +
                      " there); use another --out");
    }
    const auto same =
        std::find_if(existing->grids.begin(), existing->grids.end(), [&](const GridEntry& entry) {
          return same_grid(entry.grid, grid) && entry.shard.index == shard.index &&
                 entry.shard.count == shard.count;
        });
    write = same == existing->grids.end();
    if (write && !extend) {
      const GridEntry& first = existing->grids.front();
      throw UserError(folder + " holds another grid (" + grid_text(first.grid) +
                      shard_text(first.shard) + (existing->grids.size() > 1 ? ", and more" : "") +
                      "); add --extend to add this grid's runs to it, or use another --out");
    }
    if (write) open.manifest.grids.push_back(GridEntry{grid, shard});
  }
  check_records(open.records, settings, records_path);
  if (write) write_manifest(manifest_path, open.manifest);
  open.pending = pending_runs(grid, shard, settings.bits, open.records, open.runs_in_shard);
  return open;
}

void check_sweep_memory(const SweepSettings& settings, const SweepGrid& grid, int workers,
                        std::uint64_t available_bytes) {
  TrainConfig largest;
  largest.backend = settings.backend;
  largest.bits = settings.bits;
  largest.hidden = *std::max_element(grid.hidden.begin(), grid.hidden.end());
  largest.batch = *std::max_element(grid.batch.begin(), grid.batch.end());
  const MemoryNeed need = training_memory_need(largest);
  // Per run: its place in the queue and in the set of recorded runs, and its record.
  constexpr double kBytesPerRun = 256;
  // Lanes over runs keep each weight in 16 lanes, with a float64 sum beside each.
  const double lanes = static_cast<double>(largest.hidden + 3) * largest.hidden * 16 * 12;
  const double trainer = static_cast<double>(need.fixed_bytes) +
                         static_cast<double>(need.bytes_per_sample) * largest.batch + lanes;
  const double total = workers * trainer + kBytesPerRun * static_cast<double>(grid.runs());
  if (total <= static_cast<double>(available_bytes)) return;
  char text[320];
  std::snprintf(text, sizeof text,
                "the sweep needs about %.3g GiB (%d trainers at batch %lld and %d hidden, and %lld "
                "runs' records) but %.3g GiB are available; use fewer --threads, smaller batches "
                "or fewer runs",
                total / 1073741824.0, workers, static_cast<long long>(largest.batch),
                largest.hidden, static_cast<long long>(grid.runs()),
                static_cast<double>(available_bytes) / 1073741824.0);
  throw UserError(text);
}

MergedSweeps merge_sweep_folders(const std::vector<std::string>& folders) {
  MergedSweeps merged;
  std::vector<GridEntry> first_grids;
  std::map<RunKey, std::string> owner;  // which folder recorded each run
  for (const std::string& folder : folders) {
    const std::string manifest_path = folder + "/" + kManifestFile;
    const std::optional<Manifest> manifest = read_manifest(manifest_path);
    if (!manifest) throw UserError(folder + " is not a sweep folder (no " + kManifestFile + ")");
    if (&folder == &folders.front()) {
      merged.settings = manifest->settings;
      first_grids = manifest->grids;
    } else {
      const std::string difference = settings_difference(manifest->settings, merged.settings);
      if (!difference.empty()) {
        throw UserError(folder + " and " + folders.front() + " hold sweeps with other settings (" +
                        difference + ")");
      }
      const bool same_grids =
          manifest->grids.size() == first_grids.size() &&
          std::equal(
              first_grids.begin(), first_grids.end(), manifest->grids.begin(),
              [](const GridEntry& a, const GridEntry& b) { return same_grid(a.grid, b.grid); });
      if (!same_grids) {
        throw UserError(folder + " and " + folders.front() + " hold different grids (" +
                        grid_text(manifest->grids.front().grid) + " against " +
                        grid_text(first_grids.front().grid) + ")");
      }
    }
    const std::string records_path = folder + "/" + kRecordsFile;
    std::vector<RunRecord> records = read_run_records(records_path);
    check_records(records, manifest->settings, records_path);
    for (RunRecord& record : records) {
      const auto [place, added] = owner.emplace(key_of(record.run), folder);
      if (!added) {
        throw UserError(describe(key_of(record.run)) + " is recorded in both " + place->second +
                        " and " + folder + " (the same shard twice?)");
      }
      merged.records.push_back(std::move(record));
    }
  }
  if (first_grids.size() == 1) {
    merged.grid_runs = first_grids.front().grid.runs();
  } else {
    std::set<RunKey> runs;
    for (const GridEntry& entry : first_grids) {
      for (std::int64_t i = 0; i < entry.grid.runs(); ++i)
        runs.insert(key_of(run_of(entry.grid, i)));
    }
    merged.grid_runs = static_cast<std::int64_t>(runs.size());
  }
  return merged;
}

}  // namespace carry::sweep
