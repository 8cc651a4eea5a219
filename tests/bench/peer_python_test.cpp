// peer_python_test.cpp: label `cpu`. Which python3 runs `carry bench --peers` (peer_python.hpp):
// $CARRY_PYTHON first, then python3 on PATH if it has torch, then the known virtual environments
// with torch, else python3 on PATH; with fake interpreters, so no Python is needed.
#include "carry/peer_python.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace carry {
namespace {

struct FakeMachine {
  std::set<std::string> executables;
  std::set<std::string> with_torch;
  std::vector<std::string> asked_about_torch;
  PeerPython choose(const char* configured, const std::string& path) {
    return choose_peer_python(
        configured, path, [&](const std::string& p) { return executables.count(p) > 0; },
        [&](const std::string& p) {
          asked_about_torch.push_back(p);
          return with_torch.count(p) > 0;
        });
  }
};

TEST(PeerPython, CarryPythonComesFirstAsGiven) {
  FakeMachine machine;
  machine.executables = {"/usr/bin/python3", "/opt/torch/.venv/bin/python3"};
  machine.with_torch = {"/opt/torch/.venv/bin/python3"};
  const PeerPython chosen = machine.choose("/home/me/py/bin/python3", "/usr/bin");
  EXPECT_EQ(chosen.path, "/home/me/py/bin/python3");
  EXPECT_EQ(chosen.why, "CARRY_PYTHON");
  EXPECT_TRUE(machine.asked_about_torch.empty());
}

TEST(PeerPython, Python3OnPathWithTorchBeatsTheKnownEnvironments) {
  FakeMachine machine;
  machine.executables = {"/usr/local/bin/python3", "/usr/bin/python3",
                         "/opt/torch/.venv/bin/python3"};
  machine.with_torch = {"/usr/bin/python3", "/opt/torch/.venv/bin/python3"};
  // The first python3 on PATH is the one PATH runs: /usr/bin before /usr/local/bin here.
  EXPECT_EQ(machine.choose(nullptr, "/nowhere::/usr/bin:/usr/local/bin").path, "/usr/bin/python3");
}

TEST(PeerPython, AVirtualEnvironmentWithTorchBeatsAPathPythonWithout) {
  FakeMachine machine;
  machine.executables = {"/usr/bin/python3", "/opt/torch/.venv/bin/python3"};
  machine.with_torch = {"/opt/torch/.venv/bin/python3"};
  const PeerPython chosen = machine.choose("", "/usr/bin");  // an empty CARRY_PYTHON is unset
  EXPECT_EQ(chosen.path, "/opt/torch/.venv/bin/python3");
  EXPECT_EQ(chosen.why, "a known environment with torch");
  // Nothing is asked twice: /usr/bin/python3 is both on PATH and in the known list.
  EXPECT_EQ(std::count(machine.asked_about_torch.begin(), machine.asked_about_torch.end(),
                       "/usr/bin/python3"),
            1);
}

TEST(PeerPython, WithoutTorchAnywhereThePathPythonStillRunsThePeers) {
  FakeMachine machine;
  machine.executables = {"/usr/local/bin/python3"};
  EXPECT_EQ(machine.choose(nullptr, "/usr/local/bin:/usr/bin").path, "/usr/local/bin/python3");
  FakeMachine bare;
  const PeerPython fallback = bare.choose(nullptr, "");
  EXPECT_EQ(fallback.path, "/usr/bin/python3");
  EXPECT_NE(fallback.why.find("no python3"), std::string::npos);
}

TEST(PeerPython, TheKnownEnvironmentsIncludeTheGpuMachinesOne) {
  bool found = false;
  for (const char* known : kKnownPythons)
    found = found || std::string(known) == "/opt/torch/.venv/bin/python3";
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace carry
