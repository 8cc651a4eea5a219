// file_safety_test.cpp: what carry does to the files it writes and reads, in the library:
// saves follow symbolic links to the real file and keep its permission bits; a target that is
// not a regular file is refused untouched; stale temporaries of a target are cleaned up; one
// lock per checkpoint file; reads refuse devices, FIFOs and oversized files at once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "carry/atomic_file.hpp"
#include "carry/bounded_read.hpp"
#include "carry/errors.hpp"
#include "carry/run_lock.hpp"
#include "carry/write_target.hpp"
#include "file_checks.hpp"
#include "temp_folder.hpp"

namespace carry {
namespace {

namespace fs = std::filesystem;
using FileSafety = testing::TempFolder;
using testing::finished_pid;
using testing::mode_of;

std::string refusal_of_write(const std::string& path) {
  try {
    write_file_atomically(path, "new\n");
  } catch (const UserError& error) {
    return error.what();
  }
  return "";
}

TEST_F(FileSafety, ASaveThroughASymbolicLinkReplacesTheRealFile) {
  std::ofstream(path("real.json")) << "old\n";
  fs::create_directory(path("links"));
  fs::create_symlink("../real.json", path("links/model.json"));  // relative to its folder
  write_file_atomically(path("links/model.json"), "new\n");
  EXPECT_TRUE(fs::is_symlink(path("links/model.json")));
  EXPECT_EQ(read("real.json"), "new\n");
  // A link to a file that does not exist yet creates that file.
  fs::create_symlink("later.json", path("dangling.json"));
  write_file_atomically(path("dangling.json"), "made\n");
  EXPECT_TRUE(fs::is_symlink(path("dangling.json")));
  EXPECT_EQ(read("later.json"), "made\n");
}

TEST_F(FileSafety, ASaveKeepsTheReplacedFilesPermissions) {
  for (const mode_t mode : {mode_t{0600}, mode_t{0444}, mode_t{0640}}) {
    std::ofstream(path("model.json")) << "old\n";
    ::chmod(path("model.json").c_str(), mode);
    write_file_atomically(path("model.json"), "new\n");
    EXPECT_EQ(read("model.json"), "new\n");
    EXPECT_EQ(mode_of(path("model.json")) & 07777, mode) << std::oct << mode;
    fs::remove(path("model.json"));
  }
}

TEST_F(FileSafety, ATargetThatIsNotARegularFileIsRefusedUntouched) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0644), 0);
  EXPECT_NE(refusal_of_write(path("fifo")).find("it is a FIFO (named pipe), not a regular file"),
            std::string::npos);
  EXPECT_TRUE(S_ISFIFO(mode_of(path("fifo"))));

  const int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string socket_path = path("socket");
  ASSERT_LT(socket_path.size(), sizeof address.sun_path);
  socket_path.copy(address.sun_path, socket_path.size());
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_NE(refusal_of_write(socket_path).find("it is a socket"), std::string::npos);
  EXPECT_TRUE(S_ISSOCK(mode_of(socket_path)));
  ::close(listener);

  fs::create_directory(path("folder"));
  EXPECT_NE(refusal_of_write(path("folder")).find("it is a folder"), std::string::npos);
  EXPECT_THROW(check_writable(path("fifo")), UserError);
  // Through a link, the link's target is what counts.
  fs::create_symlink("fifo", path("to_fifo"));
  EXPECT_NE(refusal_of_write(path("to_fifo")).find("FIFO"), std::string::npos);
  EXPECT_TRUE(S_ISFIFO(mode_of(path("fifo"))));
}

TEST_F(FileSafety, ADeviceNodeIsRefusedUntouched) {
  if (::geteuid() != 0) GTEST_SKIP() << "making a device node needs root (CI runs as root)";
  // /dev/null's numbers, but a node of this test's own folder.
  ASSERT_EQ(::mknod(path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  EXPECT_NE(refusal_of_write(path("null")).find("it is a device, not a regular file"),
            std::string::npos);
  EXPECT_THROW(check_writable(path("null")), UserError);
  EXPECT_TRUE(S_ISCHR(mode_of(path("null"))));
  EXPECT_EQ(listing(), "null ");  // and no temporary left beside it
}

TEST_F(FileSafety, StaleTemporariesOfTheTargetAreRemoved) {
  const pid_t gone = finished_pid();
  const std::string live = std::to_string(::getppid());  // a process that runs
  for (const std::string& name :
       {".model.json.carry-tmp-" + std::to_string(gone), "model.json.tmp-" + std::to_string(gone),
        ".model.json.carry-tmp-" + live, ".other.json.carry-tmp-" + std::to_string(gone),
        std::string(".model.json.carry-tmp-12ab")}) {
    std::ofstream(path(name)) << "partial";
  }
  remove_stale_temporaries(resolve_write_target(path("model.json")));
  EXPECT_FALSE(fs::exists(path(".model.json.carry-tmp-" + std::to_string(gone))));
  EXPECT_FALSE(fs::exists(path("model.json.tmp-" + std::to_string(gone))));
  EXPECT_TRUE(fs::exists(path(".model.json.carry-tmp-" + live)));  // its process may be saving
  EXPECT_TRUE(fs::exists(path(".other.json.carry-tmp-" + std::to_string(gone))));  // not ours
  EXPECT_TRUE(fs::exists(path(".model.json.carry-tmp-12ab")));  // not a temporary's name
}

TEST_F(FileSafety, OneLockPerCheckpointFile) {
  fs::create_symlink("model.json", path("alias.json"));
  {
    const RunLock first(path("model.json"));
    EXPECT_TRUE(fs::exists(path(".model.json.lock")));
    for (const std::string& same : {path("model.json"), path("alias.json")}) {
      try {
        const RunLock second(same);
        ADD_FAILURE() << "locked twice through " << same;
      } catch (const UserError& error) {
        EXPECT_NE(std::string(error.what())
                      .find("is being written by another carry run (pid " +
                            std::to_string(::getpid()) + ")"),
                  std::string::npos)
            << error.what();
      }
    }
    const RunLock other(path("other.json"));  // another file is free
  }
  EXPECT_FALSE(fs::exists(path(".model.json.lock")));  // removed by its holder
  // A lock file whose holder is gone (killed: the kernel dropped its lock) blocks nobody.
  std::ofstream(path(".model.json.lock")) << finished_pid() << "\n";
  EXPECT_NO_THROW(const RunLock again(path("model.json")));
  EXPECT_FALSE(fs::exists(path(".model.json.lock")));
}

TEST_F(FileSafety, ReadsRefuseWhatIsNotASmallRegularFile) {
  std::ofstream(path("small.json")) << "12345";
  EXPECT_EQ(read_regular_file(path("small.json"), 5, "checkpoint x"), "12345");
  try {
    read_regular_file(path("small.json"), 4, "checkpoint x");
    ADD_FAILURE() << "read past the limit";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("checkpoint x: larger than"), std::string::npos)
        << error.what();
  }
  // A FIFO without a writer: refused at once, not waited on.
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0644), 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(read_regular_file(path("fifo"), 100, "checkpoint fifo"), UserError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  fs::create_directory(path("folder"));
  EXPECT_THROW(read_regular_file(path("folder"), 100, "checkpoint folder"), UserError);
  EXPECT_THROW(read_regular_file(path("missing"), 100, "checkpoint missing"), UserError);
  if (::geteuid() == 0) {
    // A zero device never ends: refused before reading, not after 16 MiB.
    ASSERT_EQ(::mknod(path("zero").c_str(), S_IFCHR | 0666, makedev(1, 5)), 0);
    EXPECT_THROW(read_regular_file(path("zero"), 100, "checkpoint zero"), UserError);
  }
}

}  // namespace
}  // namespace carry
