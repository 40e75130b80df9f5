#include "core/io/csv_writer.h"

#include "core/error.h"
#include "core/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <system_error>
#include <utility>

namespace ts {
namespace {

constexpr std::size_t kFlushThreshold = 64 * 1024;
constexpr std::size_t kMaxHeaderLine = 1 << 20;

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

bool needs_quotes(std::string_view s) {
  return s.find_first_of(",\"\r\n") != std::string_view::npos;
}

}  // namespace

std::string csv_field(const CsvWriter::Cell& cell) {
  std::array<char, 64> buffer;
  if (const auto* i = std::get_if<std::int64_t>(&cell)) {
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), *i);
    return std::string(buffer.data(), result.ptr);
  }
  if (const auto* d = std::get_if<double>(&cell)) {
    // Shortest text that parses back to the same double; "nan", "inf", "-inf" otherwise (a
    // NaN's sign bit, which to_chars writes as "-nan", carries nothing).
    if (std::isnan(*d)) return "nan";
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), *d);
    return std::string(buffer.data(), result.ptr);
  }
  const std::string& s = std::get<std::string>(cell);
  if (!needs_quotes(s)) return s;
  std::string quoted = "\"";
  for (char c : s) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

CsvWriter::CsvWriter(std::filesystem::path path, std::vector<std::string> header, Mode mode)
    : path_(std::move(path)), columns_(header.size()) {
  std::string header_line;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i > 0) header_line += ',';
    header_line += csv_field(Cell(std::move(header[i])));
  }
  if (!header.empty()) header_line += '\n';
  try {
    if (mode == Mode::kTruncate) {
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
      if (fd_ < 0) {
        const int error = errno;
        throw Error(path_.string() + ": cannot open for writing: " + errno_text(error));
      }
      buffer_ = header_line;
    } else {
      open_for_append(header_line);
    }
    write_buffer();
  } catch (...) {
    close_fd();
    throw;
  }
}

void CsvWriter::open_for_append(const std::string& header_line) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    const int error = errno;
    throw Error(path_.string() + ": cannot open for appending: " + errno_text(error));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int error = errno;
    throw Error(path_.string() + ": cannot stat: " + errno_text(error));
  }
  if (!S_ISREG(st.st_mode)) {
    // A pipe or device has no earlier rows to check: treat it as a new, empty file.
    buffer_ = header_line;
    return;
  }
  // One pass over the existing text: find where the last complete record ends (a newline
  // outside quotes) and collect the first record to compare with the header.
  std::array<char, 65536> chunk;
  bool in_quotes = false;
  bool first_done = false;
  std::string first_record;
  std::uint64_t offset = 0;
  std::uint64_t complete_end = 0;
  for (;;) {
    const ssize_t n = ::read(fd_, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      throw Error(path_.string() + ": cannot read existing rows at byte offset " +
                  std::to_string(offset) + ": " + errno_text(error));
    }
    if (n == 0) break;
    for (ssize_t i = 0; i < n; ++i, ++offset) {
      const char c = chunk[static_cast<std::size_t>(i)];
      if (!first_done) {
        if (first_record.size() >= kMaxHeaderLine) {
          throw Error(path_.string() + ": first line is longer than " +
                      std::to_string(kMaxHeaderLine) + " bytes; expected a CSV header");
        }
        first_record += c;
      }
      if (c == '"') {
        in_quotes = !in_quotes;
      } else if (c == '\n' && !in_quotes) {
        complete_end = offset + 1;
        first_done = true;
      }
    }
  }
  if (complete_end < offset) {
    if (::ftruncate(fd_, static_cast<off_t>(complete_end)) != 0) {
      const int error = errno;
      throw Error(path_.string() + ": cannot cut off the torn last line at byte offset " +
                  std::to_string(complete_end) + ": " + errno_text(error));
    }
    dropped_torn_bytes_ = static_cast<std::size_t>(offset - complete_end);
  }
  if (complete_end == 0) {
    buffer_ = header_line;
  } else if (!header_line.empty() && first_record != header_line) {
    auto strip = [](std::string s) {
      if (!s.empty() && s.back() == '\n') s.pop_back();
      return s;
    };
    throw Error(path_.string() + ": existing header \"" + strip(first_record) +
                "\" differs from the expected \"" + strip(header_line) + "\"");
  }
}

CsvWriter::~CsvWriter() {
  if (fd_ < 0) return;
  try {
    write_buffer();
  } catch (const Error&) {
    // A destructor cannot report; close() is the way to see this error.
  }
  close_fd();
}

CsvWriter::CsvWriter(CsvWriter&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      columns_(other.columns_),
      buffer_(std::move(other.buffer_)),
      dropped_torn_bytes_(other.dropped_torn_bytes_) {}

CsvWriter& CsvWriter::operator=(CsvWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      try {
        write_buffer();
      } catch (const Error&) {
        // As in the destructor: the old file's last rows are lost silently.
      }
      close_fd();
    }
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    columns_ = other.columns_;
    buffer_ = std::move(other.buffer_);
    dropped_torn_bytes_ = other.dropped_torn_bytes_;
  }
  return *this;
}

void CsvWriter::write_row(std::span<const Cell> cells) {
  if (fd_ < 0) throw Error(path_.string() + ": cannot write a row: the writer is closed");
  if (columns_ != 0 && cells.size() != columns_) {
    throw Error(path_.string() + ": row has " + std::to_string(cells.size()) +
                " cells but the header has " + std::to_string(columns_) + " columns");
  }
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) buffer_ += ',';
    buffer_ += csv_field(cells[i]);
  }
  buffer_ += '\n';
  if (buffer_.size() >= kFlushThreshold) write_buffer();
}

void CsvWriter::flush() {
  if (fd_ < 0) throw Error(path_.string() + ": cannot flush: the writer is closed");
  write_buffer();
}

void CsvWriter::close() {
  if (fd_ < 0) return;
  try {
    write_buffer();
  } catch (...) {
    close_fd();
    throw;
  }
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0 && errno != EINTR) {
    const int error = errno;
    throw Error(path_.string() + ": closing failed: " + errno_text(error));
  }
}

void CsvWriter::write_buffer() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      buffer_.erase(0, done);  // keep what was not written, so a later flush can finish it
      throw Error(path_.string() + ": cannot write: " + errno_text(error));
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

void CsvWriter::close_fd() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string csv_text(const std::vector<std::vector<std::string>>& rows) {
  std::string text;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) text += ',';
      text += csv_field(CsvWriter::Cell{row[i]});
    }
    text += '\n';
  }
  return text;
}

CsvTable parse_csv(std::string_view text, const std::string& source) {
  CsvTable table;
  const std::size_t n = text.size();
  std::size_t i = 0;
  std::size_t line = 1;
  std::size_t record_start = 0;
  std::vector<std::string> row;

  auto torn = [&] {
    table.torn_last_line = std::string(text.substr(record_start));
    return table;
  };
  // A defect in a last line that has no newline is only a torn write, not a malformed file.
  auto malformed = [&](std::size_t at, const std::string& what) {
    if (text.find('\n', at) == std::string_view::npos) return torn();
    throw Error(source + ": line " + std::to_string(line) + ", byte offset " + std::to_string(at) +
                ": " + what);
  };

  while (i < n) {
    std::string field;
    if (text[i] == '"') {
      ++i;
      for (;;) {
        if (i >= n) return torn();  // the closing quote never came
        const char c = text[i];
        if (c == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (c == '\n') ++line;
        field += c;
        ++i;
      }
      if (i < n && text[i] != ',' && text[i] != '\n' &&
          !(text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')) {
        return malformed(i, "expected a comma or the end of the line after a closing quote");
      }
    } else {
      const std::size_t start = i;
      while (i < n && text[i] != ',' && text[i] != '\n') {
        if (text[i] == '"') return malformed(i, "double quote inside an unquoted field");
        ++i;
      }
      field.assign(text.substr(start, i - start));
      if (i < n && text[i] == '\n' && !field.empty() && field.back() == '\r') field.pop_back();
    }
    row.push_back(std::move(field));
    if (i >= n) break;
    if (text[i] == ',') {
      ++i;
      continue;
    }
    if (text[i] == '\r') ++i;
    ++i;  // the newline
    ++line;
    table.rows.push_back(std::move(row));
    row.clear();
    record_start = i;
  }
  if (record_start < n) return torn();
  return table;
}

CsvTable parse_csv_file(const std::filesystem::path& path, std::size_t max_bytes) {
  return parse_csv(read_file(path, max_bytes), path.string());
}

double csv_to_double(std::string_view field, const std::string& where) {
  double value = 0;
  const char* end = field.data() + field.size();
  const auto result = std::from_chars(field.data(), end, value);
  if (field.empty() || result.ec != std::errc() || result.ptr != end) {
    throw Error(where + ": \"" + std::string(field) + "\" is not a number");
  }
  return value;
}

}  // namespace ts
