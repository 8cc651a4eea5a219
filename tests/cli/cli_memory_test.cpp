// cli_memory_test.cpp: no input makes carry crash or wait for memory it will not get. Checkpoints
// past 16 MiB, FIFOs and devices are refused at once; a checkpoint within the size limit that
// would build a huge document is refused by the loader's limits even under a small `ulimit -v`;
// and the memory check before a batch covers time-steps and bench, counts the stacks of the
// threads a run starts (so the largest batch it suggests does run under that ulimit), and honours
// CARRY_MEMORY_LIMIT.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>

#include "carry_process.hpp"
#include "temp_folder.hpp"

namespace carry::testing {
namespace {

using CliMemory = TempFolder;

// AddressSanitizer reserves terabytes of address space at start: under it, `ulimit -v` stops
// carry before main.
bool address_sanitized() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
  return false;
}

// `carry ARGS` under `ulimit -v KILOBYTES`.
CarryResult run_under_ulimit(int kilobytes, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/bin/sh", "-c",
                                   "ulimit -v " + std::to_string(kilobytes) + " && exec \"$@\"",
                                   "sh", CARRY_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_to_end(argv);
}

// A valid 2-hidden-unit checkpoint with an extra field of `count` numbers: about 2 bytes each.
void write_checkpoint_with_extra_array(const std::string& file, std::size_t count) {
  ASSERT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--hidden", "2",
                       "--steps", "1", "--save", file})
                .status,
            0);
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string extra = "\"extra\": [0";
  extra.reserve(2 * count + 16);
  for (std::size_t k = 1; k < count; ++k) extra += ",0";
  extra += "], ";
  text.insert(text.find('{') + 1, extra);
  std::ofstream(file) << text;
}

TEST_F(CliMemory, AnOversizedCheckpointIsRefusedUnread) {
  {
    std::ofstream big(path("big.json"));
    big << std::string(20u << 20, ' ');
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"eval", path("big.json")},
        std::vector<std::string>{"add", "1", "2", "--checkpoint", path("big.json")},
        std::vector<std::string>{"train", "--resume", path("big.json")}}) {
    const CarryResult run = run_carry(args);
    EXPECT_EQ(run.status, 2) << args[0];
    EXPECT_EQ(run.err, "carry: error: checkpoint " + path("big.json") +
                           ": larger than 16 MiB (a checkpoint is a few KB; carry reads no "
                           "further)\n");
  }
}

TEST_F(CliMemory, FifosAndDevicesAreRefusedAtOnce) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  const CarryResult fifo = run_carry({"eval", path("fifo")});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(fifo.status, 2);
  EXPECT_EQ(fifo.err, "carry: error: checkpoint " + path("fifo") +
                          ": it is a FIFO (named pipe), not a regular file\n");
  if (::geteuid() != 0) GTEST_SKIP() << "making a device node needs root (CI runs as root)";
  ASSERT_EQ(::mknod(path("zero").c_str(), S_IFCHR | 0666, makedev(1, 5)), 0);  // like /dev/zero
  const CarryResult zero = run_carry({"add", "1", "2", "--checkpoint", path("zero")});
  EXPECT_EQ(zero.status, 2);
  EXPECT_EQ(zero.err,
            "carry: error: checkpoint " + path("zero") + ": it is a device, not a regular file\n");
}

TEST_F(CliMemory, AHugeDocumentWithinTheSizeLimitIsRefusedUnderASmallUlimit) {
  if (address_sanitized()) GTEST_SKIP() << "ulimit -v and AddressSanitizer do not mix";
  // 5 million numbers in 10 MB: built whole, they would need several hundred MB.
  write_checkpoint_with_extra_array(path("padded.json"), 5'000'000);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"eval", path("padded.json")},
        std::vector<std::string>{"add", "1", "2", "--checkpoint", path("padded.json")},
        std::vector<std::string>{"train", "--resume", path("padded.json"), "--steps", "1"}}) {
    const CarryResult run = run_under_ulimit(150000, args);
    EXPECT_EQ(run.status, 2) << args[0] << ": " << run.err;
    EXPECT_NE(run.err.find("more than 131072 values"), std::string::npos) << run.err;
    EXPECT_EQ(line_count(run.err), 1) << run.err;
  }
}

TEST(CliMemoryCheck, OutOfMemoryNamesOnlyOptionsTheCommandHas) {
  if (address_sanitized()) GTEST_SKIP() << "ulimit -v and AddressSanitizer do not mix";
  const std::string model = ::testing::TempDir() + "/carry_oom_" + std::to_string(::getpid());
  ASSERT_EQ(run_carry({"train", "--backend", cpu_backend_here(), "--quiet", "--steps", "1",
                       "--save", model})
                .status,
            0);
  // 62-bit evaluation of a 2^20-pair sample needs some 40 MB more than carry starts with.
  const CarryResult eval = run_under_ulimit(40000, {"eval", model, "--bits", "62"});
  std::remove(model.c_str());
  EXPECT_EQ(eval.status, 1) << eval.out;
  EXPECT_EQ(eval.err, "carry: error: out of memory\n");
}

TEST(CliMemoryCheck, TimeStepsAndBenchHonourCarryMemoryLimit) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"time-steps", "--backend", "reference", "--batch", "67108864"},
        std::vector<std::string>{"bench", "--backend", "reference", "--batch", "1,67108864"}}) {
    const CarryResult run = run_carry_with({"CARRY_MEMORY_LIMIT=400000000"}, args);
    EXPECT_EQ(run.status, 2) << args[0];
    EXPECT_NE(run.err.find("--batch 67108864 needs about 1.0 GiB on the reference backend, but "
                           "only 381.5 MiB of memory is available; the largest batch that fits "
                           "is "),
              std::string::npos)
        << run.err;
    EXPECT_EQ(run.out, "") << "measured before refusing";
  }
}

TEST(CliMemoryCheck, TheLargestBatchSuggestedUnderAUlimitRuns) {
  if (address_sanitized()) GTEST_SKIP() << "ulimit -v and AddressSanitizer do not mix";
  // The cpu backend on every core (its pool's threads and their stacks), at 2 bits so that one
  // step of the largest batch is quick; 16 hidden units make its per-sample sums count.
  const std::vector<std::string> base = {"time-steps", "--backend", "cpu", "--hidden",
                                         "16",         "--bits",    "2",   "--warmup",
                                         "0",          "--steps",   "1"};
  std::vector<std::string> too_large = base;
  too_large.insert(too_large.end(), {"--batch", "67108864"});
  const CarryResult refused = run_under_ulimit(200000, too_large);
  ASSERT_EQ(refused.status, 2) << refused.err;
  std::smatch match;
  ASSERT_TRUE(
      std::regex_search(refused.err, match, std::regex("largest batch that fits is (\\d+)")))
      << refused.err;
  std::vector<std::string> largest = base;
  largest.insert(largest.end(), {"--batch", match[1].str()});
  const CarryResult run = run_under_ulimit(200000, largest);
  EXPECT_EQ(run.status, 0) << "--batch " << match[1] << ": " << run.err;
}

}  // namespace
}  // namespace carry::testing
