#include "core/io/run_table.h"

#include "core/error.h"
#include "core/io/csv_writer.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace ts {

std::size_t RunTable::column(const std::string& name) const {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) throw Error(path.string() + ": no column \"" + name + "\"");
  return std::size_t(it - header.begin());
}

double RunTable::number(std::size_t row, std::size_t col) const {
  const std::string& cell = rows[row].at(col);
  if (cell.empty()) return NAN;
  return csv_to_double(
      cell, path.string() + ": line " + std::to_string(row + 2) + ", column " + header[col]);
}

RunTable read_run_table(const std::filesystem::path& run, const char* file) {
  RunTable t;
  t.path = run / file;
  std::error_code ec;
  if (!std::filesystem::exists(t.path, ec))
    throw Error(t.path.string() + ": not found (is " + run.string() +
                " a run directory written by trainscope?)");
  CsvTable csv = parse_csv_file(t.path);
  if (csv.rows.empty()) throw Error(t.path.string() + ": empty, without even a header");
  t.header = std::move(csv.rows.front());
  t.rows.assign(std::make_move_iterator(csv.rows.begin() + 1),
                std::make_move_iterator(csv.rows.end()));
  for (std::size_t i = 0; i < t.rows.size(); ++i)
    if (t.rows[i].size() != t.header.size())
      throw Error(t.path.string() + ": line " + std::to_string(i + 2) + " has " +
                  std::to_string(t.rows[i].size()) + " cells, the header " +
                  std::to_string(t.header.size()));
  return t;
}

}  // namespace ts
