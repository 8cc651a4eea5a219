// temp_folder.hpp: a GoogleTest fixture with a fresh folder per test, removed afterwards.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace carry::testing {

class TempFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    folder_ = std::filesystem::temp_directory_path() /
              ("carry_" + std::string(test->test_suite_name()) + "_" + test->name() + "_" +
               std::to_string(::getpid()));
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

 public:  // also used by free functions in the tests
  std::string path(const std::string& name) const { return (folder_ / name).string(); }

  std::string read(const std::string& name) const {
    std::ifstream file(path(name), std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

  // The names of the files in the folder, sorted.
  std::string listing() const {
    std::string names;
    for (const auto& entry : std::filesystem::directory_iterator(folder_)) {
      names += entry.path().filename().string() + " ";
    }
    return names;
  }

  std::filesystem::path folder_;
};

}  // namespace carry::testing
