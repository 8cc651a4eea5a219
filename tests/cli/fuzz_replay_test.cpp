// fuzz_replay_test.cpp: runs one fuzz target (linked in by tests/CMakeLists.txt) over its seed
// corpus and over every input that once made it fail (fuzz/corpus/<target>/ and
// fuzz/regressions/<target>/). A target aborts on a failure, which fails this test.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

TEST(FuzzReplay, EveryKeptInputPasses) {
  int inputs = 0;
  for (const char* folder : {CARRY_FUZZ_CORPUS, CARRY_FUZZ_REGRESSIONS}) {
    if (!std::filesystem::exists(folder)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
      std::ifstream file(entry.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << file.rdbuf();
      const std::string input = bytes.str();
      SCOPED_TRACE(entry.path().string());
      EXPECT_EQ(
          LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()),
          0);
      ++inputs;
    }
  }
  EXPECT_GT(inputs, 0);
}

}  // namespace
