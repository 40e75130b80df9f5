#include "core/io/run_dir.h"

#include <ctime>

#include "core/error.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <system_error>

namespace ts {

std::string timestamped_run_name(const std::string& name) {
  char stamp[32];
  const std::time_t t = std::time(nullptr);
  std::tm local{};
  localtime_r(&t, &local);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  return name + "-" + stamp;
}

std::filesystem::path claim_run_dir(const std::filesystem::path& parent, const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw Error(parent.string() + ": cannot create the runs directory: " + ec.message());
  const fs::path base = parent / name;
  fs::path dir = base;
  for (int i = 2; i <= 100; ++i) {
    if (fs::create_directory(dir, ec)) return dir;
    if (ec && ec != std::errc::file_exists)  // a file of that name: take the next name too
      throw Error(dir.string() + ": cannot create the run directory: " + ec.message());
    dir = base.string() + "-" + std::to_string(i);
  }
  throw Error(base.string() + ": it and " + base.filename().string() +
              "-2 to -99 exist already; name the run directory yourself");
}
namespace {

constexpr std::string_view kPrefix = "step-";
constexpr std::string_view kSuffix = ".safetensors";

void make_directory(const std::filesystem::path& dir, const char* what) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw Error(dir.string() + ": cannot create " + what + ": " + ec.message());
  }
  // create_directories succeeds without doing anything when a file already has the name.
  if (!std::filesystem::is_directory(dir, ec)) {
    throw Error(dir.string() + ": cannot use as " + what + ": it exists and is not a directory");
  }
}

// The step of a canonical checkpoint file name, or nullopt.
std::optional<std::int64_t> step_of(std::string_view name) {
  if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string_view digits =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  std::int64_t step = 0;
  const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), step);
  if (result.ec != std::errc() || result.ptr != digits.data() + digits.size() || step < 0) {
    return std::nullopt;
  }
  return step;
}

}  // namespace

RunDir::RunDir(std::filesystem::path root) : root_(std::move(root)) {
  if (root_.empty()) throw Error("run directory: the path is empty");
  make_directory(root_, "run directory");
  make_directory(checkpoints_dir(), "checkpoint directory");
}

std::filesystem::path RunDir::checkpoint_path(std::int64_t step) const {
  if (step < 0) {
    throw Error(root_.string() + ": checkpoint step " + std::to_string(step) +
                " is negative, expected a step >= 0");
  }
  return checkpoints_dir() / (std::string(kPrefix) + std::to_string(step) + std::string(kSuffix));
}

std::vector<CheckpointFile> RunDir::checkpoints() const {
  return list_checkpoints(checkpoints_dir());
}

std::vector<CheckpointFile> RunDir::list_checkpoints(const std::filesystem::path& dir) {
  std::vector<CheckpointFile> found;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  const std::filesystem::directory_iterator end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::optional<std::int64_t> step = step_of(it->path().filename().native());
    std::error_code type_ec;
    if (step && it->is_regular_file(type_ec)) found.push_back({*step, it->path()});
  }
  if (ec) throw Error(dir.string() + ": cannot list checkpoints: " + ec.message());
  std::sort(found.begin(), found.end(),
            [](const CheckpointFile& a, const CheckpointFile& b) { return a.step < b.step; });
  return found;
}

std::optional<CheckpointFile> RunDir::latest_checkpoint() const {
  std::vector<CheckpointFile> all = checkpoints();
  if (all.empty()) return std::nullopt;
  return std::move(all.back());
}

void copy_run_tables(const std::filesystem::path& from, const std::filesystem::path& to) {
  namespace fs = std::filesystem;
  for (const char* table : kRunTables) {
    std::error_code ec;
    if (!fs::exists(from / table, ec)) continue;
    fs::copy_file(from / table, to / table, fs::copy_options::overwrite_existing, ec);
    if (ec)
      throw Error((to / table).string() + ": cannot copy it from " + (from / table).string() +
                  ": " + ec.message());
  }
}

}  // namespace ts
