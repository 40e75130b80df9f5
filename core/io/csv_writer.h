// Row-at-a-time CSV output for metrics and events logs, and a reader for such files.
//
// CsvWriter owns one file descriptor; it is used by one thread (the one logging metrics) and
// may be moved but not copied. Rows are buffered and reach the file on flush(), close(), the
// destructor, or when the buffer passes 64 KiB. The buffer only ever holds whole rows, so a
// crash or a full disk leaves at most one torn last line. Each row ends in '\n'; numbers are
// written in the shortest form that parses back to the same double (std::to_chars), so a
// float widened to double also round-trips exactly. RFC 4180 quoting: a field containing a
// comma, a double quote, CR or LF is enclosed in quotes with inner quotes doubled.
//
// kAppend keeps the existing rows; if the file ends in a torn line (no trailing newline, as a
// crash mid-write leaves it) that fragment is cut off first, and a non-empty header must match
// the file's first line. kTruncate starts the file over. Either way the header is written
// when the file is empty. Errors (unwritable file, disk full, header mismatch, wrong cell
// count) throw ts::Error naming the file; the destructor swallows errors, so call close() to
// see the last ones.
//
// parse_csv / parse_csv_file read such files back. A final line without its newline is
// reported in `torn_last_line`, never as a row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ts {

class CsvWriter {
 public:
  enum class Mode { kAppend, kTruncate };
  using Cell = std::variant<std::int64_t, double, std::string>;

  // `header` may be empty: then nothing is written or checked and rows may have any width.
  CsvWriter(std::filesystem::path path, std::vector<std::string> header, Mode mode);
  ~CsvWriter();
  CsvWriter(CsvWriter&& other) noexcept;
  CsvWriter& operator=(CsvWriter&& other) noexcept;
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  // Throws when a header was given and the cell count differs from it.
  void write_row(std::span<const Cell> cells);
  void write_row(std::initializer_list<Cell> cells) {
    write_row(std::span<const Cell>(cells.begin(), cells.size()));
  }
  // Hands buffered rows to the operating system (write(), no fsync).
  void flush();
  // Flushes and closes; later writes throw. Calling it twice is harmless.
  void close();

  const std::filesystem::path& path() const { return path_; }
  // Bytes of a torn last line removed when the file was opened for appending.
  std::size_t dropped_torn_bytes() const { return dropped_torn_bytes_; }

 private:
  void open_for_append(const std::string& header_line);
  void write_buffer();
  void close_fd() noexcept;

  std::filesystem::path path_;
  int fd_ = -1;
  std::size_t columns_ = 0;  // 0: any width
  std::string buffer_;
  std::size_t dropped_torn_bytes_ = 0;
};

// One field as CsvWriter writes it (quoted when needed, numbers in shortest round-trip form).
std::string csv_field(const CsvWriter::Cell& cell);
// Rows of text fields as CsvWriter writes them, each line ending in '\n'.
std::string csv_text(const std::vector<std::vector<std::string>>& rows);

struct CsvTable {
  std::vector<std::vector<std::string>> rows;  // every complete line, the header included
  std::optional<std::string> torn_last_line;   // raw text after the last newline, if any
};

// Throws ts::Error naming `source_name`, the line and the byte offset of malformed quoting.
CsvTable parse_csv(std::string_view text, const std::string& source_name);
CsvTable parse_csv_file(const std::filesystem::path& path,
                        std::size_t max_bytes = std::size_t{1} << 30);

// A numeric field (as written by CsvWriter: decimal, exponent, "nan", "inf", "-inf"); throws
// ts::Error prefixed with `where` when the whole field is not a number.
double csv_to_double(std::string_view field, const std::string& where);

}  // namespace ts
