// write_target.cpp: see write_target.hpp. POSIX: lstat, readlink, opendir, kill(pid, 0).
#include "carry/write_target.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "carry/errors.hpp"

namespace carry {

namespace {

constexpr int kMostLinks = 40;  // Linux's own limit when it follows links (ELOOP)

std::string folder_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The pid in `name` if it is `prefix` followed by decimal digits only, else 0.
pid_t pid_after(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return 0;
  if (name.size() - prefix.size() > 9) return 0;  // beyond any pid
  pid_t pid = 0;
  for (std::size_t k = prefix.size(); k < name.size(); ++k) {
    if (name[k] < '0' || name[k] > '9') return 0;
    pid = pid * 10 + (name[k] - '0');
  }
  return pid;
}

bool process_gone(pid_t pid) {
  return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

std::string kind_of_file(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

WriteTarget resolve_write_target(const std::string& path) {
  if (path.empty()) throw UserError("cannot write an empty path");
  WriteTarget target;
  target.requested = path;
  std::string current = path;
  for (int links = 0;; ++links) {
    struct stat info {};
    if (::lstat(current.c_str(), &info) != 0)
      break;  // not there yet (or unreachable: the
              // write will say why)
    if (S_ISLNK(info.st_mode)) {
      if (links == kMostLinks) {
        throw UserError("cannot write " + path + ": too many levels of symbolic links");
      }
      std::vector<char> buffer(static_cast<std::size_t>(info.st_size > 0 ? info.st_size : 255) + 1);
      const ssize_t length = ::readlink(current.c_str(), buffer.data(), buffer.size());
      if (length < 0 || static_cast<std::size_t>(length) >= buffer.size()) {
        throw UserError("cannot write " + path + ": cannot read the link " + current);
      }
      const std::string link(buffer.data(), static_cast<std::size_t>(length));
      // A relative link is relative to the folder that holds it.
      current = link.front() == '/' ? link : folder_of(current) + "/" + link;
      continue;
    }
    if (!S_ISREG(info.st_mode)) {
      const std::string real = current == path ? "" : " (" + current + ")";
      throw UserError("cannot write " + path + real + ": it is " + kind_of_file(info.st_mode) +
                      ", not a regular file (a save replaces the file it writes)");
    }
    target.exists = true;
    target.mode = info.st_mode & 07777;
    target.owner = info.st_uid;
    target.group = info.st_gid;
    break;
  }
  target.path = current;
  target.folder = folder_of(current);
  target.name = name_of(current);
  return target;
}

std::string temporary_path(const WriteTarget& target, pid_t pid) {
  return target.folder + "/." + target.name + ".carry-tmp-" + std::to_string(pid);
}

std::string lock_path(const WriteTarget& target) {
  return target.folder + "/." + target.name + ".lock";
}

void remove_stale_temporaries(const WriteTarget& target) {
  DIR* folder = ::opendir(target.folder.c_str());
  if (folder == nullptr) return;
  const std::string current = "." + target.name + ".carry-tmp-";
  const std::string earlier = target.name + ".tmp-";
  std::vector<std::string> stale;
  while (const dirent* entry = ::readdir(folder)) {
    const std::string name = entry->d_name;
    pid_t pid = pid_after(name, current);
    if (pid == 0) pid = pid_after(name, earlier);
    if (pid != ::getpid() && process_gone(pid)) stale.push_back(name);
  }
  ::closedir(folder);
  for (const std::string& name : stale) ::unlink((target.folder + "/" + name).c_str());
}

}  // namespace carry
