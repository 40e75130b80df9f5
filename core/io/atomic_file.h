// Whole-file writes that never leave a half-written file behind, and bounded whole-file reads.
//
// write_file_atomic writes `<path>.tmp.<pid>` next to the target, fsyncs it, renames it over
// the target and fsyncs the directory. A crash or power loss at any moment leaves either the
// previous file or the new one, never a mixture; on failure the temporary file is removed and
// the previous file is untouched. Stale `*.tmp.<pid>` files can only remain after a crash.
//
// Free functions without shared state: any thread may call them, but only one writer per
// target path at a time (two writers in one process would share the temporary name).
// Failures throw ts::Error naming the path and the system's reason (strerror text).
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace ts {

void write_file_atomic(const std::filesystem::path& path, std::span<const std::byte> data);
void write_file_atomic(const std::filesystem::path& path, std::string_view data);
// The same, creating the parent directories first (for exports into a folder that may not
// exist yet); a folder that cannot be created shows as the write's error.
void write_file_atomic_creating_parents(const std::filesystem::path& path, std::string_view data);

// Reads the whole file. Throws if it cannot be opened or read, is a directory, or holds more
// than `max_bytes` bytes (checked before anything is allocated).
std::string read_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace ts
