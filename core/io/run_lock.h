// One writer per run directory. RunLock holds an exclusive advisory lock (flock) on
// <root>/.lock for as long as it lives and writes its process id into the file. A second
// writer, in another process or in this one, is refused with an error naming the directory
// and the holder's pid instead of interleaving its rows with the first writer's.
//
// The operating system drops the lock when the process ends however it ends (SIGKILL, power
// loss), so a crashed run never leaves a stale lock behind: the .lock file may remain, but
// the next writer takes it. Move-only; used by the thread that owns the run directory.
#pragma once

#include "core/error.h"

#include <filesystem>
#include <optional>
#include <string>

namespace ts {

// What RunLock throws when another writer holds the directory (a ts::Error like the others).
struct RunLockedError : Error {
  using Error::Error;
};

class RunLock {
 public:
  // Throws ts::Error naming `root` when another writer holds it (after half a second of
  // retries, so a status probe's instant of a shared lock never refuses a writer), or when the
  // lock file cannot be created.
  explicit RunLock(const std::filesystem::path& root);
  ~RunLock();
  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  // Whether another lock holder (in any process, this one included) has `root` now: the pid it
  // wrote ("" when none yet), or nullopt when the directory is free. Probes with a shared lock
  // for an instant; a writer taking the lock meanwhile waits for it (see the constructor).
  static std::optional<std::string> holder(const std::filesystem::path& root);

  static std::filesystem::path lock_path(const std::filesystem::path& root) {
    return root / ".lock";
  }

 private:
  int fd_ = -1;
};

}  // namespace ts
