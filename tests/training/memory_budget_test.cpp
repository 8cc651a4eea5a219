// memory_budget_test.cpp: a batch is checked against the memory the process may still use, and
// one that does not fit is refused with the largest that would.
#include "carry/memory_budget.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

#include "carry/backends.hpp"
#include "carry/errors.hpp"

namespace carry {
namespace {

TEST(MemoryBudget, LargestBatchIsWhatIsLeftAfterTheFixedPart) {
  const MemoryNeed need{1000, 16};
  EXPECT_EQ(largest_batch_that_fits(need, 1000 + 16 * 10), 10);
  EXPECT_EQ(largest_batch_that_fits(need, 1000 + 16 * 10 + 15), 10);
  EXPECT_EQ(largest_batch_that_fits(need, 1000 + 15), 0);
  EXPECT_EQ(largest_batch_that_fits(need, 10), 0);
  EXPECT_EQ(largest_batch_that_fits(need, std::uint64_t{1} << 62), kMaxBatch);
}

TEST(MemoryBudget, TheReferenceNeedsOneProblemPerSample) {
  TrainConfig config;
  config.backend = "reference";
  const MemoryNeed need = training_memory_need(config);
  EXPECT_EQ(need.bytes_per_sample, 16u);
  EXPECT_GT(need.fixed_bytes, 0u);
}

TEST(MemoryBudget, ABatchThatDoesNotFitIsRefusedWithTheLargestThatDoes) {
  TrainConfig config;
  config.backend = "reference";
  config.batch = kMaxBatch;
  const std::uint64_t available = training_memory_need(config).fixed_bytes + 16 * 1000 + 5;
  try {
    check_batch_fits(config, training_memory_need(config), available);
    ADD_FAILURE() << "accepted";
  } catch (const UserError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("--batch 67108864 needs about 1.0 GiB on the reference backend"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("the largest batch that fits is 1000"), std::string::npos) << message;
  }
  config.batch = 1000;
  EXPECT_NO_THROW(check_batch_fits(config, training_memory_need(config), available));
  EXPECT_THROW(check_batch_fits(config, training_memory_need(config), 100), UserError);
}

TEST(MemoryBudget, AvailableMemoryIsBelowThePhysicalMemory) {
  const std::uint64_t available = available_memory_bytes();
  const auto physical = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                        static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_GT(available, 0u);
  EXPECT_LE(available, physical);
}

// Caps the address space at what is in use plus 100 MiB, then exits 0 if
// available_memory_bytes() stays within that.
[[noreturn]] void check_available_memory_under_an_address_space_limit() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  statm >> pages;
  const std::uint64_t in_use = pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  struct rlimit limit {};
  limit.rlim_cur = in_use + (std::uint64_t{100} << 20);
  limit.rlim_max = RLIM_INFINITY;
  ::setrlimit(RLIMIT_AS, &limit);
  std::_Exit(available_memory_bytes() <= (std::uint64_t{100} << 20) ? 0 : 1);
}

TEST(MemoryBudgetDeathTest, AnAddressSpaceLimitCounts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(check_available_memory_under_an_address_space_limit(), ::testing::ExitedWithCode(0),
              "");
}

}  // namespace
}  // namespace carry
