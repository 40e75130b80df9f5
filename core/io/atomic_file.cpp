#include "core/io/atomic_file.h"

#include "core/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace ts {
namespace {

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// Closes the descriptor when the scope ends, unless released first.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  // Closes now and returns 0 or the errno of close().
  int close_now() {
    const int fd = fd_;
    fd_ = -1;
    // On Linux the descriptor is released even when close() reports EINTR; do not retry.
    if (::close(fd) != 0 && errno != EINTR) return errno;
    return 0;
  }

 private:
  int fd_;
};

// Writes everything, retrying short writes and EINTR. Returns 0 or the errno.
int write_all(int fd, const std::byte* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> data) {
  if (!path.has_filename()) {
    throw Error(path.string() + ": cannot save: the path does not name a file");
  }
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());

  const int raw_fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (raw_fd < 0) {
    const int error = errno;
    throw Error(path.string() + ": cannot save: cannot create temporary file " + tmp.string() +
                ": " + errno_text(error));
  }
  FdGuard fd(raw_fd);

  const char* step = nullptr;
  int error = write_all(fd.get(), data.data(), data.size());
  if (error != 0) {
    step = "writing";
  } else if (::fsync(fd.get()) != 0) {
    error = errno;
    step = "syncing";
  }
  const int close_error = fd.close_now();
  if (error == 0 && close_error != 0) {
    error = close_error;
    step = "closing";
  }
  if (error == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) {
    error = errno;
    step = "renaming over the target";
  }
  if (error != 0) {
    ::unlink(tmp.c_str());
    throw Error(path.string() + ": cannot save (" + step + " temporary file " + tmp.string() +
                " failed; the previous file is unchanged): " + errno_text(error));
  }

  // Make the rename itself durable. Some file systems cannot sync directories (EINVAL); the
  // data is already safe there as far as the file system allows.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    const int dir_error = errno;
    throw Error(path.string() + ": saved, but cannot open directory " + dir.string() +
                " to sync it: " + errno_text(dir_error));
  }
  FdGuard dir_guard(dir_fd);
  if (::fsync(dir_fd) != 0 && errno != EINVAL) {
    const int dir_error = errno;
    throw Error(path.string() + ": saved, but syncing directory " + dir.string() +
                " failed: " + errno_text(dir_error));
  }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data) {
  write_file_atomic(path, std::as_bytes(std::span<const char>(data.data(), data.size())));
}

void write_file_atomic_creating_parents(const std::filesystem::path& path, std::string_view data) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  write_file_atomic(path, data);
}

std::string read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const int raw_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw_fd < 0) {
    const int error = errno;
    throw Error(path.string() + ": cannot open for reading: " + errno_text(error));
  }
  FdGuard fd(raw_fd);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int error = errno;
    throw Error(path.string() + ": cannot stat: " + errno_text(error));
  }
  if (S_ISDIR(st.st_mode)) throw Error(path.string() + ": is a directory, expected a file");
  std::string out;
  if (S_ISREG(st.st_mode)) {
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > max_bytes) {
      throw Error(path.string() + ": file is " + std::to_string(size) +
                  " bytes, more than the limit of " + std::to_string(max_bytes));
    }
    out.reserve(static_cast<std::size_t>(size));
  }
  std::array<char, 65536> buffer;
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      throw Error(path.string() + ": read failed at byte offset " + std::to_string(out.size()) +
                  ": " + errno_text(error));
    }
    if (n == 0) break;
    const auto got = static_cast<std::size_t>(n);
    if (got > max_bytes - out.size()) {
      throw Error(path.string() + ": file holds more than the limit of " +
                  std::to_string(max_bytes) + " bytes");
    }
    out.append(buffer.data(), got);
  }
  return out;
}

}  // namespace ts
