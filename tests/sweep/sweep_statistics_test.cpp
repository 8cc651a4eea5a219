// sweep_statistics_test.cpp: the summary's statistics against values worked out by hand. The
// 95% Wilson interval (z = 1.959963984540054) against the formula evaluated separately and the
// published intervals (7 of 10: 0.3968 to 0.8922); quartiles by linear interpolation between order
// statistics (Hyndman and Fan type 7, numpy's default: h = (n - 1)p, x[⌊h⌋] + (h - ⌊h⌋)·(x[⌊h⌋+1] -
// x[⌊h⌋])); and a summary's rows from hand-made records.
#include <gtest/gtest.h>

#include "carry/sweep/summary.hpp"

namespace carry::sweep {
namespace {

// The formula evaluated in double precision elsewhere: agreement to rounding (1e-12).
constexpr double kFormulaTolerance = 1e-12;

TEST(WilsonInterval, MatchesTheFormulaAndThePublishedValues) {
  struct Case {
    std::int64_t successes, trials;
    double low, high;
  };
  const Case cases[] = {{7, 10, 0.396778147461, 0.892208732594},
                        {0, 10, 0.0, 0.277532799863},
                        {10, 10, 0.722467200137, 1.0},
                        {50, 100, 0.403831530366, 0.596168469634},
                        {1, 1, 0.206549314377, 1.0},
                        {3, 4, 0.300641842582, 0.954412739190}};
  for (const Case& c : cases) {
    const Interval interval = wilson_interval(c.successes, c.trials);
    EXPECT_NEAR(interval.low, c.low, kFormulaTolerance) << c.successes << "/" << c.trials;
    EXPECT_NEAR(interval.high, c.high, kFormulaTolerance) << c.successes << "/" << c.trials;
  }
  // The ends are exact at 0 and n successes.
  EXPECT_EQ(wilson_interval(0, 10).low, 0.0);
  EXPECT_EQ(wilson_interval(10, 10).high, 1.0);
  EXPECT_THROW(wilson_interval(1, 0), std::invalid_argument);
  EXPECT_THROW(wilson_interval(3, 2), std::invalid_argument);
}

TEST(Quartiles, LinearInterpolationBetweenOrderStatistics) {
  // n = 4: h = 0.75, 1.5, 2.25 for p = 1/4, 1/2, 3/4.
  const Quartiles four = quartiles({4, 1, 3, 2});
  EXPECT_EQ(four.min, 1.0);
  EXPECT_EQ(four.q1, 1.75);
  EXPECT_EQ(four.median, 2.5);
  EXPECT_EQ(four.q3, 3.25);
  EXPECT_EQ(four.max, 4.0);
  // n = 5: order statistics themselves.
  const Quartiles five = quartiles({50, 10, 40, 20, 30});
  EXPECT_EQ(five.q1, 20.0);
  EXPECT_EQ(five.median, 30.0);
  EXPECT_EQ(five.q3, 40.0);
  const Quartiles two = quartiles({10, 20});
  EXPECT_EQ(two.q1, 12.5);
  EXPECT_EQ(two.median, 15.0);
  EXPECT_EQ(two.q3, 17.5);
  const Quartiles one = quartiles({7});
  EXPECT_EQ(one.min, 7.0);
  EXPECT_EQ(one.q1, 7.0);
  EXPECT_EQ(one.median, 7.0);
  EXPECT_EQ(one.q3, 7.0);
  EXPECT_EQ(one.max, 7.0);
  // n = 10, h = 2.25 for q1: 30 + 0.25·(40 - 30).
  EXPECT_EQ(quartiles({100, 90, 80, 70, 60, 50, 40, 30, 20, 10}).q1, 32.5);
  EXPECT_THROW(quartiles({}), std::invalid_argument);
}

RunRecord record(int hidden, std::int64_t batch, double lr, std::int64_t seed, bool reached,
                 std::int64_t steps, double seconds) {
  RunRecord r;
  r.run = RunSpec{0, hidden, batch, lr, false, seed};
  r.reached = reached;
  r.steps = steps;
  r.seconds = seconds;
  r.engine = "cpu";
  return r;
}

TEST(Summary, OneRowPerSettingFromHandMadeRecords) {
  std::vector<RunRecord> records = {
      record(8, 16, 4, 3, true, 300, 0.5),   record(4, 16, 4, 0, true, 200, 1.0),
      record(8, 16, 4, 0, false, 5000, 2.0), record(4, 16, 4, 1, true, 100, 2.0),
      record(4, 16, 4, 2, false, 5000, 3.0), record(4, 16, 4, 3, true, 300, 2.0),
      record(4, 1, 1, 0, false, 5000, 1.0),
  };
  records[2].diverged = true;
  const std::vector<SettingSummary> rows = summarize(records);
  ASSERT_EQ(rows.size(), 3u);
  // Sorted by hidden size, batch, rate.
  EXPECT_EQ(rows[0].hidden, 4);
  EXPECT_EQ(rows[0].batch, 1);
  EXPECT_EQ(rows[1].hidden, 4);
  EXPECT_EQ(rows[1].batch, 16);
  EXPECT_EQ(rows[2].hidden, 8);

  const SettingSummary& h4 = rows[1];
  EXPECT_EQ(h4.runs, 4);
  EXPECT_EQ(h4.successes, 3);
  EXPECT_EQ(h4.diverged, 0);
  EXPECT_EQ(h4.success_rate, 0.75);
  EXPECT_NEAR(h4.success_interval.low, 0.300641842582, kFormulaTolerance);
  ASSERT_TRUE(h4.steps_to_target.has_value());
  EXPECT_EQ(h4.steps_to_target->min, 100.0);  // steps {100, 200, 300}: the failure is left out
  EXPECT_EQ(h4.steps_to_target->q1, 150.0);
  EXPECT_EQ(h4.steps_to_target->median, 200.0);
  EXPECT_EQ(h4.steps_to_target->q3, 250.0);
  EXPECT_EQ(h4.steps_to_target->max, 300.0);
  EXPECT_EQ(h4.mean_seconds, 2.0);  // (1 + 2 + 3 + 2) / 4, every run

  EXPECT_EQ(rows[0].successes, 0);
  EXPECT_FALSE(rows[0].steps_to_target.has_value());
  EXPECT_EQ(rows[2].diverged, 1);

  const std::string csv = summary_csv(rows);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "hidden,batch,lr,lr_rule,runs,successes,diverged,success_rate,success_low,"
            "success_high,steps_median,steps_q1,steps_q3,steps_min,steps_max,mean_seconds");
  // The setting without successes leaves its step columns empty.
  EXPECT_NE(csv.find("\n4,1,1.0,fixed,1,0,0,0.0,0.0,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",,,,,1.0\n"), std::string::npos) << csv;
}

}  // namespace
}  // namespace carry::sweep
