// worker_threads_test.cpp: run_on_threads runs every worker once, and an exception in any of
// them reaches the caller after all threads are joined, instead of ending the process.
#include "carry/worker_threads.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace carry {
namespace {

TEST(WorkerThreads, EveryWorkerRunsOnce) {
  for (const int count : {1, 2, 7}) {
    std::vector<std::atomic<int>> runs(static_cast<std::size_t>(count));
    run_on_threads(count, [&](int worker) { ++runs[static_cast<std::size_t>(worker)]; });
    for (const auto& run : runs) EXPECT_EQ(run.load(), 1) << count;
  }
}

TEST(WorkerThreads, AnExceptionInAThreadReachesTheCaller) {
  std::atomic<int> finished{0};
  try {
    run_on_threads(4, [&](int worker) {
      if (worker == 2) throw std::bad_alloc();
      ++finished;
    });
    ADD_FAILURE() << "no exception";
  } catch (const std::bad_alloc&) {
  }
  EXPECT_EQ(finished.load(), 3);  // the others ran to the end
  EXPECT_THROW(run_on_threads(3,
                              [](int worker) {
                                if (worker == 0) throw std::runtime_error("caller's own");
                              }),
               std::runtime_error);
}

}  // namespace
}  // namespace carry
