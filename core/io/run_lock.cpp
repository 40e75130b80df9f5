#include "core/io/run_lock.h"

#include "core/error.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

namespace ts {

namespace {
// The pid the current holder wrote, or "" when the file holds none yet.
std::string holder_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? std::size_t(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
}  // namespace

RunLock::RunLock(const std::filesystem::path& root) {
  const std::filesystem::path path = lock_path(root);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw Error(path.string() +
                ": cannot create the run directory's lock file: " + std::strerror(errno));
  int err = 0;
  for (int tries = 1;; ++tries) {
    err = ::flock(fd_, LOCK_EX | LOCK_NB) == 0 ? 0 : errno;
    if (err != EWOULDBLOCK || tries == 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (err != 0) {
    const std::string pid = holder_pid(fd_);
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw RunLockedError(
          root.string() + ": another trainscope run" +
          (pid.empty() ? std::string() : " (process " + pid + ")") +
          " is writing this run directory; wait for it to finish or choose another directory");
    throw Error(path.string() + ": cannot lock the run directory: " + std::strerror(err));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != ssize_t(pid.size())) {
    // The lock holds without the pid; only the message of a second writer loses it.
  }
}

std::optional<std::string> RunLock::holder(const std::filesystem::path& root) {
  const int fd = ::open(lock_path(root).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;  // never locked
  std::optional<std::string> who;
  // Held only when another lock is in the way: a filesystem without flock (ENOLCK, ENOSYS)
  // does not make every run look busy.
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0)
    ::flock(fd, LOCK_UN);
  else if (errno == EWOULDBLOCK)
    who = holder_pid(fd);
  ::close(fd);
  return who;
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the lock
}

RunLock::RunLock(RunLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

}  // namespace ts
