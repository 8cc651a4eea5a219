// sweep_grid_test.cpp: what `carry sweep` runs. Its lists ("1,2,4", "0..99") read by the strict
// number rules and every refusal (one line naming the option); grid order and the run each index
// names; shards that split a grid into disjoint slices covering it; the manifest written and read
// back, and the order runs start in (largest first).
#include <gtest/gtest.h>

#include <set>

#include "carry/errors.hpp"
#include "carry/sweep/manifest.hpp"
#include "value_lists.hpp"

namespace carry {
namespace {

using cli::parse_integer_list;
using cli::parse_real_list;
using sweep::SweepGrid;

std::string refusal(const std::string& text, std::int64_t lowest = 0, std::int64_t highest = 1000) {
  try {
    parse_integer_list(text, "--seeds", lowest, highest);
  } catch (const UserError& error) {
    return error.what();
  }
  return "accepted";
}

TEST(SweepLists, ListsRangesAndBoth) {
  EXPECT_EQ(parse_integer_list("1,2,4", "--hidden", 1, 256), (std::vector<std::int64_t>{1, 2, 4}));
  EXPECT_EQ(parse_integer_list("0..4", "--seeds", 0, 9),
            (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(parse_integer_list("7..7", "--seeds", 0, 9), (std::vector<std::int64_t>{7}));
  EXPECT_EQ(parse_integer_list("9,0..2,5", "--seeds", 0, 9),
            (std::vector<std::int64_t>{9, 0, 1, 2, 5}));
  // Decimal digits as written: a leading zero is not octal.
  EXPECT_EQ(parse_integer_list("010", "--seeds", 0, 100), (std::vector<std::int64_t>{10}));
  EXPECT_EQ(parse_real_list("1,0.5,4", "--lr"), (std::vector<double>{1.0, 0.5, 4.0}));
}

TEST(SweepLists, EveryRefusalIsOneLineNamingTheOption) {
  EXPECT_EQ(refusal(""), "--seeds: the list is empty");
  EXPECT_EQ(refusal("1,,2"), "--seeds: empty item in '1,,2'");
  EXPECT_EQ(refusal("1,"), "--seeds: empty item in '1,'");
  EXPECT_EQ(
      refusal("0x10"),
      "--seeds must be a whole number between 0 and 1000 written in decimal digits (got '0x10')");
  EXPECT_EQ(
      refusal("1e3"),
      "--seeds must be a whole number between 0 and 1000 written in decimal digits (got '1e3')");
  EXPECT_EQ(
      refusal(" 1"),
      "--seeds must be a whole number between 0 and 1000 written in decimal digits (got ' 1')");
  EXPECT_EQ(
      refusal("1..x"),
      "--seeds must be a whole number between 0 and 1000 written in decimal digits (got 'x')");
  EXPECT_EQ(refusal("..3"),
            "--seeds must be a whole number between 0 and 1000 written in decimal digits (got '')");
  EXPECT_EQ(refusal("99999999999999999999"),
            "--seeds must be between 0 and 1000 (got 99999999999999999999)");
  EXPECT_EQ(refusal("9..2"), "--seeds: the range 9..2 is reversed (write 2..9)");
  EXPECT_EQ(refusal("1,2,1"), "--seeds: 1 is listed twice");
  EXPECT_EQ(refusal("0..5,3"), "--seeds: 3 is listed twice");
  EXPECT_EQ(refusal("1001"), "--seeds must be between 0 and 1000 (got 1001)");
  EXPECT_EQ(refusal("-1"), "--seeds must be between 0 and 1000 (got -1)");
  EXPECT_EQ(refusal("0..4294967295", 0, 4294967295),
            "--seeds: more than 10000000 values");  // counted, never allocated
  auto real_refusal = [](const std::string& text) -> std::string {
    try {
      parse_real_list(text, "--lr");
    } catch (const UserError& error) {
      return error.what();
    }
    return "accepted";
  };
  EXPECT_EQ(real_refusal("1,x"),
            "--lr must be a finite number above 0, written in decimal notation (got 'x')");
  EXPECT_EQ(real_refusal("4,4.0"), "--lr: 4 is listed twice");
  EXPECT_EQ(real_refusal("0"), "--lr must be a finite number above 0 (got 0)");
  EXPECT_EQ(real_refusal("nan"), "--lr must be a finite number above 0 (got nan)");
  EXPECT_EQ(real_refusal("1..2"),
            "--lr must be a finite number above 0, written in decimal notation (got '1..2')");
  EXPECT_EQ(real_refusal(""), "--lr: the list is empty");
}

SweepGrid small_grid() {
  SweepGrid grid;
  grid.hidden = {2, 8};
  grid.batch = {1, 16, 256};
  grid.lr = {1, 4};
  grid.seeds = {0, 1, 2, 3, 4};
  return grid;
}

TEST(SweepGrid, RunsInGridOrderSeedInnermost) {
  const SweepGrid grid = small_grid();
  ASSERT_EQ(grid.runs(), 2 * 3 * 2 * 5);
  std::int64_t index = 0;
  for (int h : grid.hidden) {
    for (std::int64_t b : grid.batch) {
      for (double lr : grid.lr) {
        for (std::int64_t s : grid.seeds) {
          const sweep::RunSpec run = sweep::run_of(grid, index);
          EXPECT_EQ(run.index, index);
          EXPECT_EQ(run.hidden, h);
          EXPECT_EQ(run.batch, b);
          EXPECT_EQ(run.lr, lr);
          EXPECT_EQ(run.seed, s);
          EXPECT_FALSE(run.lr_auto);
          ++index;
        }
      }
    }
  }
}

TEST(SweepGrid, AutoRateFollowsTheBenchRule) {
  SweepGrid grid = small_grid();
  grid.lr_auto = true;
  grid.lr.clear();
  ASSERT_EQ(grid.runs(), 2 * 3 * 5);
  EXPECT_EQ(sweep::run_of(grid, 0).lr, 1.0);   // B 1: sqrt(1)
  EXPECT_EQ(sweep::run_of(grid, 5).lr, 4.0);   // B 16: min(4, 4)
  EXPECT_EQ(sweep::run_of(grid, 10).lr, 4.0);  // B 256: capped at 4
  EXPECT_TRUE(sweep::run_of(grid, 10).lr_auto);
}

TEST(SweepGrid, ShardsAreDisjointAndCoverTheGrid) {
  const SweepGrid grid = small_grid();
  for (std::int64_t count : {1, 2, 3, 7, 61}) {
    std::multiset<std::int64_t> seen;
    for (std::int64_t k = 0; k < count; ++k) {
      const sweep::Shard shard{k, count};
      for (std::int64_t i = 0; i < grid.runs(); ++i) {
        if (shard.contains(i)) {
          EXPECT_EQ(i % count, k);
          seen.insert(i);
        }
      }
    }
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(grid.runs())) << count;
    EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()).size(), seen.size()) << count;
  }
}

TEST(SweepGrid, RefusesValuesTrainRefusesAndGridsTooLarge) {
  sweep::SweepSettings settings;
  SweepGrid grid = small_grid();
  auto refusal_of = [&](const SweepGrid& g, const sweep::SweepSettings& s) -> std::string {
    try {
      sweep::validate(s, g);
    } catch (const UserError& error) {
      return error.what();
    }
    return "accepted";
  };
  EXPECT_EQ(refusal_of(grid, settings), "accepted");
  SweepGrid bad = grid;
  bad.batch.push_back(kMaxBatch + 1);
  EXPECT_EQ(refusal_of(bad, settings), "--batch must be between 1 and 67108864 (got 67108865)");
  bad = grid;
  bad.seeds.clear();
  EXPECT_EQ(refusal_of(bad, settings), "--seeds: the list is empty");
  sweep::SweepSettings bad_settings = settings;
  bad_settings.check_every = 0;
  EXPECT_EQ(refusal_of(grid, bad_settings), "--check-every must be at least 1 (got 0)");
  bad_settings = settings;
  bad_settings.bits = 33;
  EXPECT_EQ(refusal_of(grid, bad_settings), "--bits must be between 2 and 32 (got 33)");
  bad = grid;
  bad.seeds.assign(10'000'000, 0);
  bad.batch.assign(1000, 1);
  EXPECT_EQ(refusal_of(bad, settings), "the grid has 4e+10 runs; a sweep takes at most 4294967296");
}

TEST(SweepManifest, WrittenAndReadBackExactly) {
  sweep::Manifest manifest;
  manifest.settings.backend = "reference";
  manifest.settings.steps = 1234;
  manifest.settings.until_accuracy = 0.75;
  manifest.settings.check_every = 7;
  SweepGrid grid = small_grid();
  grid.lr = {0.1, 1.0 / 3.0};
  grid.seeds = {0, 1, 2, 3, 9, 10, 12, 13, 14};
  manifest.grids.push_back({grid, sweep::Shard{1, 3}});
  SweepGrid automatic = small_grid();
  automatic.lr_auto = true;
  automatic.lr.clear();
  manifest.grids.push_back({automatic, sweep::Shard{}});
  const std::string text = sweep::manifest_json(manifest);
  // One line per grid; runs of consecutive values as [first, last].
  EXPECT_NE(text.find("\"seeds\":[[0,3],9,10,[12,14]],\"shard\":[1,3]}"), std::string::npos)
      << text;
  const sweep::Manifest back = sweep::parse_manifest(text, "m");
  EXPECT_EQ(sweep::settings_difference(back.settings, manifest.settings), "");
  ASSERT_EQ(back.grids.size(), 2u);
  EXPECT_TRUE(sweep::same_grid(back.grids[0].grid, grid));
  EXPECT_EQ(back.grids[0].grid.lr[1], 1.0 / 3.0);  // bit for bit
  EXPECT_EQ(back.grids[0].shard.index, 1);
  EXPECT_EQ(back.grids[0].shard.count, 3);
  EXPECT_TRUE(sweep::same_grid(back.grids[1].grid, automatic));
  EXPECT_EQ(sweep::grid_text(grid),
            "--hidden 2,8 --batch 1,16,256 --lr 0.1,0.333333 --seeds 0..3,9,10,12..14");
  EXPECT_THROW(sweep::parse_manifest("{\"format\": \"carry-sweep\"}", "m"), UserError);
  EXPECT_THROW(sweep::parse_manifest("not json", "m"), UserError);
}

}  // namespace
}  // namespace carry
