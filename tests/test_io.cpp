#include <doctest/doctest.h>

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/io/csv_writer.h"
#include "core/io/run_dir.h"
#include "core/io/safetensors.h"
#include "tests/temp_dir.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using ts::testing::TempDir;

void write_plain(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_plain(const fs::path& path) { return ts::read_file(path, 1 << 24); }

std::span<const std::byte> as_span(const std::string& s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::string le64(std::uint64_t v) {
  std::string out;
  for (int i = 0; i < 8; ++i) {
    out += static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

// A safetensors image: length prefix, header text as given, then the data buffer.
std::string image(const std::string& header, const std::string& data) {
  return le64(header.size()) + header + data;
}

// The error message parse_safetensors gives for `file`, or "" when it parses.
std::string parse_error(const std::string& file) {
  try {
    ts::parse_safetensors(as_span(file), "bad.safetensors");
  } catch (const ts::Error& e) {
    return e.what();
  }
  return "";
}

// doctest's Contains takes its own string type.
doctest::Contains has(const std::string& part) { return doctest::Contains(part.c_str()); }

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// An F32 entry for hand-written headers.
std::string f32_entry(const std::string& name, const std::string& shape, int begin, int end) {
  return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" +
         std::to_string(begin) + "," + std::to_string(end) + "]}";
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

}  // namespace

TEST_CASE("safetensors round trip keeps every dtype, shape and metadata bit-exact") {
  TempDir dir;
  const std::vector<double> f64 = {0.1,
                                   -0.0,
                                   std::numeric_limits<double>::denorm_min(),
                                   std::numeric_limits<double>::infinity(),
                                   std::numeric_limits<double>::quiet_NaN(),
                                   1e308};
  const std::vector<float> f32 = {1.5f,
                                  -2.25f,
                                  std::numeric_limits<float>::denorm_min(),
                                  std::numeric_limits<float>::quiet_NaN(),
                                  3.4e38f,
                                  0.1f};
  const std::vector<std::int64_t> i64 = {std::numeric_limits<std::int64_t>::min(), -1, 0,
                                         std::numeric_limits<std::int64_t>::max()};
  const std::vector<std::int32_t> i32 = {std::numeric_limits<std::int32_t>::min(), 7};
  const std::vector<std::uint64_t> u64 = {std::numeric_limits<std::uint64_t>::max(), 42, 0};
  const std::vector<std::uint8_t> u8 = {0, 1, 255};

  ts::SafetensorsContents contents;
  contents.tensors.push_back(ts::make_f32("fc1.weight", {2, 3}, f32));
  contents.tensors.push_back(ts::make_f64("a.double", {6}, f64));
  contents.tensors.push_back(ts::make_i64("step", {2, 2}, i64));
  contents.tensors.push_back(ts::make_i32("labels", {2}, i32));
  contents.tensors.push_back(ts::make_u64("counts", {3, 1}, u64));
  contents.tensors.push_back(ts::make_u8("mask", {3}, u8));
  contents.tensors.push_back(ts::make_f32("empty", {0, 4}, std::span<const float>()));
  const double scalar = 2.5;
  contents.tensors.push_back(ts::make_f64("scalar", {}, std::span<const double>(&scalar, 1)));
  contents.tensors.push_back({"flags", "BOOL", {2}, {std::byte{1}, std::byte{0}}});
  contents.metadata = {
      {"format", "pt"}, {"note", "quote \" comma , newline \n ünïcode"}, {"empty", ""}};

  const fs::path path = dir / "ckpt.safetensors";
  ts::write_safetensors(path, contents);
  const std::string file = read_plain(path);
  std::uint64_t header_size = 0;
  std::memcpy(&header_size, file.data(), 8);
  CHECK(header_size % 8 == 0);
  CHECK(file[8] == '{');
  CHECK(contains(file.substr(8, header_size), "\"__metadata__\":{"));

  const ts::SafetensorsContents back = ts::read_safetensors(path);
  REQUIRE(back.tensors.size() == contents.tensors.size());
  CHECK(back.metadata == contents.metadata);
  for (std::size_t i = 1; i < back.tensors.size(); ++i) {
    CHECK(back.tensors[i - 1].name < back.tensors[i].name);
  }
  for (const ts::TensorRecord& original : contents.tensors) {
    const ts::TensorRecord* read = back.find(original.name);
    REQUIRE_MESSAGE(read != nullptr, original.name);
    CHECK(read->dtype == original.dtype);
    CHECK(read->shape == original.shape);
    CHECK(read->data == original.data);
  }
  CHECK(back.find("missing") == nullptr);
  const std::string src = path.string();
  CHECK(same_bits(ts::as_f32(*back.find("fc1.weight"), src), f32));
  CHECK(same_bits(ts::as_f64(*back.find("a.double"), src), f64));
  CHECK(ts::as_i64(*back.find("step"), src) == i64);
  CHECK(ts::as_i32(*back.find("labels"), src) == i32);
  CHECK(ts::as_u64(*back.find("counts"), src) == u64);
  CHECK(ts::as_u8(*back.find("mask"), src) == u8);
  CHECK(ts::as_f32(*back.find("empty"), src).empty());
  CHECK(ts::as_f64(*back.find("scalar"), src) == std::vector<double>{2.5});

  // Writing again gives the same bytes: the layout depends on names only.
  std::reverse(contents.tensors.begin(), contents.tensors.end());
  CHECK(ts::serialize_safetensors(contents, "again") == ts::serialize_safetensors(back, "x"));

  // No temporary file stays behind.
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);
}

TEST_CASE("safetensors file written byte by byte as Python's safetensors does reads back") {
  // Python's writer: compact JSON, __metadata__ first, tensors ordered by dtype alignment then
  // name (so the F64 tensor "z" comes first in the buffer), padding spaces to 8 bytes.
  std::string header =
      R"({"__metadata__":{"format":"pt"},"z":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},)"
      R"("bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
      R"("weight":{"dtype":"F32","shape":[2,2],"data_offsets":[16,32]}})";
  while (header.size() % 8 != 0) header += ' ';
  const unsigned char data[] = {
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0xBF,  // z = -1.0 (F64)
      0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40,  // bias = 1.0, 2.0
      0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0x40,  // weight = 3.0, 4.0,
      0x00, 0x00, 0xA0, 0x40, 0x00, 0x00, 0xC0, 0xC0,  //          5.0, -6.0
  };
  std::string file;
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) file += static_cast<char>((n >> (8 * i)) & 0xff);
  file += header;
  file.append(reinterpret_cast<const char*>(data), sizeof(data));

  const ts::SafetensorsContents c = ts::parse_safetensors(as_span(file), "py.safetensors");
  REQUIRE(c.tensors.size() == 3);
  CHECK(c.metadata.at("format") == "pt");
  CHECK(c.tensors[0].name == "bias");
  CHECK(ts::as_f32(*c.find("bias"), "py") == std::vector<float>{1.0f, 2.0f});
  CHECK(c.find("weight")->shape == std::vector<std::int64_t>{2, 2});
  CHECK(ts::as_f32(*c.find("weight"), "py") == std::vector<float>{3.0f, 4.0f, 5.0f, -6.0f});
  CHECK(ts::as_f64(*c.find("z"), "py") == std::vector<double>{-1.0});
}

TEST_CASE("safetensors header padding") {
  const std::string entry = "{" + f32_entry("w", "[1]", 0, 4) + "}";
  const std::string data("\x00\x00\x80\x3f", 4);
  SUBCASE("trailing spaces beyond the alignment are fine") {
    const std::string file = image(entry + std::string(21, ' '), data);
    const auto c = ts::parse_safetensors(as_span(file), "pad.safetensors");
    CHECK(ts::as_f32(c.tensors.at(0), "pad") == std::vector<float>{1.0f});
  }
  SUBCASE("an unpadded header is fine too") { CHECK(parse_error(image(entry, data)) == ""); }
  SUBCASE("an empty file with no tensors") { CHECK(parse_error(image("{}      ", "")) == ""); }
}

TEST_CASE("safetensors rejects every malformed file with a message naming file and culprit") {
  const std::string four(4, '\0');
  const std::string eight(8, '\0');
  struct Case {
    const char* rule;
    std::string file;
    std::vector<std::string> parts;  // all must appear in the message
  };
  const std::vector<Case> cases = {
      {"shorter than 8 bytes", "abc", {"3 bytes", "too short"}},
      {"header length past the end", le64(100) + "{}", {"header length 100", "larger than"}},
      {"absurd header length",
       le64(std::uint64_t{1} << 40) + "{}",
       {"header length 1099511627776", "exceeds the limit"}},
      {"header not JSON", image(R"({"w": })", ""), {"not valid JSON", "byte offset 14"}},
      {"trailing garbage", image(R"({} x)", ""), {"not valid JSON", "byte offset 11"}},
      {"invalid UTF-8", image("{\"w\xff\":1}", ""), {"not valid JSON"}},
      {"header not an object", image("[1, 2]", ""), {"must start with '{'"}},
      {"entry not an object", image(R"({"w": 5})", ""), {"tensor \"w\"", "must be an object"}},
      {"missing field",
       image(R"({"w":{"dtype":"F32","shape":[1]}})", four),
       {"tensor \"w\"", "missing field \"data_offsets\""}},
      {"extra field",
       image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":0}})", four),
       {"tensor \"w\"", "unexpected field \"extra\""}},
      {"duplicate field",
       image(R"({"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}})", four),
       {"tensor \"w\"", "field \"dtype\" appears twice"}},
      {"dtype not a string",
       image(R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", four),
       {"tensor \"w\"", "field \"dtype\" must be a string, found 4"}},
      {"unsupported dtype",
       image(R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", four),
       {"tensor \"w\"", "dtype \"F16\" is not supported"}},
      {"shape not an array",
       image(R"({"w":{"dtype":"F32","shape":3,"data_offsets":[0,4]}})", four),
       {"tensor \"w\"", "field \"shape\" must be an array"}},
      {"negative dimension",
       image(R"({"w":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,4]}})", four),
       {"tensor \"w\"", "shape[1] is -1"}},
      {"fractional dimension",
       image(R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,4]}})", four),
       {"tensor \"w\"", "shape[0] is 2.5"}},
      {"nested shape",
       image(R"({"w":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})", four),
       {"tensor \"w\"", "nested too deeply"}},
      {"data_offsets of wrong length",
       image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", four),
       {"tensor \"w\"", "field \"data_offsets\" must be [begin, end], found [0]"}},
      {"negative offset",
       image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,-4]}})", four),
       {"tensor \"w\"", "data_offsets[1] is -4"}},
      {"size overflows 64 bits",
       image(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", four),
       {"tensor \"w\"", "more bytes than fit in 64 bits"}},
      {"begin after end",
       image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", eight),
       {"tensor \"w\"", "data_offsets [8, 4] have begin after end"}},
      {"end past the buffer",
       image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", four),
       {"tensor \"w\"", "data_offsets [0, 8] end past the data buffer, which holds 4 bytes"}},
      {"overlapping tensors",
       image("{" + f32_entry("a", "[2]", 0, 8) + "," + f32_entry("b", "[2]", 4, 12) + "}",
             std::string(12, '\0')),
       {"tensor \"b\": data_offsets [4, 12] overlap tensor \"a\" at [0, 8]"}},
      {"hole between tensors",
       image("{" + f32_entry("a", "[1]", 0, 4) + "," + f32_entry("b", "[1]", 8, 12) + "}",
             std::string(12, '\0')),
       {"data buffer bytes [4, 8)", "belong to no tensor"}},
      {"bytes after the last tensor",
       image("{" + f32_entry("a", "[1]", 0, 4) + "}", eight),
       {"data buffer bytes [4, 8)"}},
      {"duplicate tensor names",
       image("{" + f32_entry("a", "[1]", 0, 4) + "," + f32_entry("a", "[1]", 0, 4) + "}", four),
       {"tensor \"a\" appears twice"}},
      {"metadata not an object",
       image(R"({"__metadata__":[1]})", ""),
       {"__metadata__ must be an object"}},
      {"metadata value not a string",
       image(R"({"__metadata__":{"epoch":3}})", ""),
       {"__metadata__ key \"epoch\" must be a string, found 3"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.rule);
    const std::string message = parse_error(c.file);
    CAPTURE(message);
    CHECK(message.rfind("bad.safetensors: ", 0) == 0);
    for (const std::string& part : c.parts) CHECK(contains(message, part));
  }

  SUBCASE("the size mismatch message spells out both sizes") {
    const std::string file =
        image("{" + f32_entry("fc1.weight", "[10,20]", 0, 400) + "}", std::string(400, '\0'));
    CHECK(parse_error(file) ==
          "bad.safetensors: tensor \"fc1.weight\": data_offsets [0, 400] hold 400 bytes but "
          "dtype F32 with shape [10, 20] needs 800");
  }
  SUBCASE("the hole message gives file offsets") {
    const std::string header =
        "{" + f32_entry("a", "[1]", 0, 4) + "," + f32_entry("b", "[1]", 8, 12) + "}";
    const std::string message = parse_error(image(header, std::string(12, '\0')));
    const std::size_t start = 8 + header.size();
    CHECK(contains(
        message, "file offsets " + std::to_string(start + 4) + " to " + std::to_string(start + 8)));
  }
  SUBCASE("read_safetensors names the file on disk") {
    TempDir dir;
    write_plain(dir / "short.safetensors", "abc");
    CHECK_THROWS_WITH_AS(ts::read_safetensors(dir / "short.safetensors"),
                         has((dir / "short.safetensors").string()), ts::Error);
    CHECK_THROWS_WITH_AS(ts::read_safetensors(dir / "missing.safetensors"),
                         doctest::Contains("missing.safetensors: cannot open"), ts::Error);
  }
}

TEST_CASE("safetensors writer and typed accessors reject inconsistent records") {
  TempDir dir;
  const fs::path path = dir / "w.safetensors";
  const std::vector<float> three = {1, 2, 3};
  auto write_error = [&](const ts::SafetensorsContents& c) -> std::string {
    try {
      ts::write_safetensors(path, c);
    } catch (const ts::Error& e) {
      return e.what();
    }
    return "";
  };
  ts::SafetensorsContents c;
  c.tensors.push_back(ts::make_f32("a", {3}, three));
  c.tensors.push_back(ts::make_f32("a", {3}, three));
  CHECK(contains(write_error(c), "tensor \"a\" appears twice"));
  c.tensors.pop_back();
  c.tensors.push_back({"b", "F32", {2}, std::vector<std::byte>(4)});
  CHECK(
      contains(write_error(c), "tensor \"b\": holds 4 bytes but dtype F32 with shape [2] needs 8"));
  c.tensors.back() = {"b", "F16", {2}, std::vector<std::byte>(4)};
  CHECK(contains(write_error(c), "tensor \"b\": dtype \"F16\" is not supported"));
  c.tensors.back() = {"__metadata__", "U8", {0}, {}};
  CHECK(contains(write_error(c), "\"__metadata__\" is reserved"));
  c.tensors.pop_back();
  c.metadata["bad"] = "\xff";
  CHECK(contains(write_error(c), "not valid UTF-8"));
  CHECK(contains(write_error(c), path.string()));
  CHECK_FALSE(fs::exists(path));

  CHECK_THROWS_WITH_AS(
      ts::make_f32("w", {2, 2}, three),
      "make_f32: tensor \"w\": shape [2, 2] holds 4 elements but 3 values were given", ts::Error);
  CHECK_THROWS_WITH_AS(ts::make_f32("w", {-1, 2}, three), doctest::Contains("negative"), ts::Error);
  const ts::TensorRecord r = ts::make_f32("w", {3}, three);
  CHECK_THROWS_WITH_AS(ts::as_i64(r, "ckpt.safetensors"),
                       "ckpt.safetensors: tensor \"w\": dtype is \"F32\", expected I64", ts::Error);
  ts::TensorRecord truncated = r;
  truncated.data.resize(8);
  CHECK_THROWS_WITH_AS(ts::as_f32(truncated, "ckpt.safetensors"),
                       doctest::Contains("tensor \"w\": holds 8 bytes but dtype F32"), ts::Error);
}

TEST_CASE("write_file_atomic replaces the file or leaves it alone") {
  TempDir dir;
  const fs::path target = dir / "config.json";
  ts::write_file_atomic(target, std::string_view("first"));
  CHECK(read_plain(target) == "first");
  ts::write_file_atomic(target, std::string_view("second, longer"));
  CHECK(read_plain(target) == "second, longer");
  const std::string bytes("bytes\0inside", 12);
  ts::write_file_atomic(target, as_span(bytes));
  CHECK(read_plain(target) == bytes);

  SUBCASE("missing directory") {
    const fs::path path = dir / "no-such-dir" / "file.json";
    CHECK_THROWS_WITH_AS(ts::write_file_atomic(path, std::string_view("x")),
                         has(path.string() + ": cannot save"), ts::Error);
    CHECK_THROWS_WITH_AS(ts::write_file_atomic(path, std::string_view("x")),
                         doctest::Contains("No such file or directory"), ts::Error);
  }
  SUBCASE("a regular file where a directory should be (root ignores chmod)") {
    const fs::path path = target / "child";
    CHECK_THROWS_WITH_AS(ts::write_file_atomic(path, std::string_view("x")),
                         doctest::Contains("Not a directory"), ts::Error);
    CHECK(read_plain(target) == bytes);
  }
  SUBCASE("rename fails: the target is a non-empty directory, which stays intact") {
    const fs::path busy = dir / "busy";
    fs::create_directories(busy / "inside");
    CHECK_THROWS_WITH_AS(ts::write_file_atomic(busy, std::string_view("x")),
                         doctest::Contains("previous file is unchanged"), ts::Error);
    CHECK(fs::is_directory(busy / "inside"));
  }
  SUBCASE("no path name") {
    CHECK_THROWS_AS(ts::write_file_atomic(dir.path() / "", std::string_view("x")), ts::Error);
  }
  // Only the target and the "busy" directory remain; no temporary files.
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    CHECK_FALSE(contains(entry.path().filename().string(), ".tmp."));
  }
}

TEST_CASE("read_file limits and errors") {
  TempDir dir;
  write_plain(dir / "ten", "0123456789");
  CHECK(ts::read_file(dir / "ten", 10) == "0123456789");
  CHECK_THROWS_WITH_AS(ts::read_file(dir / "ten", 9),
                       doctest::Contains("is 10 bytes, more than the limit of 9"), ts::Error);
  CHECK_THROWS_WITH_AS(ts::read_file(dir / "none", 9),
                       has((dir / "none").string() + ": cannot open"), ts::Error);
  CHECK_THROWS_WITH_AS(ts::read_file(dir.path(), 9), doctest::Contains("is a directory"),
                       ts::Error);
}

TEST_CASE("CSV quoting and number round trip") {
  TempDir dir;
  const fs::path path = dir / "metrics.csv";
  const std::vector<double> doubles = {0.1,
                                       1.0 / 3.0,
                                       -0.0,
                                       std::numeric_limits<double>::denorm_min(),
                                       std::numeric_limits<double>::max(),
                                       std::numeric_limits<double>::lowest(),
                                       std::numeric_limits<double>::infinity(),
                                       -std::numeric_limits<double>::infinity(),
                                       static_cast<double>(0.1f),
                                       static_cast<double>(std::numeric_limits<float>::min()),
                                       123456789.0};
  const std::vector<std::string> strings = {"plain",      "a,b",      "say \"hi\"",
                                            "two\nlines", "cr\r\nlf", ""};
  {
    ts::CsvWriter writer(path, {"name", "value", "step"}, ts::CsvWriter::Mode::kTruncate);
    for (std::size_t i = 0; i < doubles.size(); ++i) {
      writer.write_row(
          {strings[i % strings.size()], doubles[i], static_cast<std::int64_t>(i) * -9});
    }
    writer.write_row({"nan", std::numeric_limits<double>::quiet_NaN(),
                      std::numeric_limits<std::int64_t>::min()});
    CHECK_THROWS_WITH_AS(writer.write_row({"too few"}), has(path.string() + ": row has 1 cells"),
                         ts::Error);
    writer.close();
    CHECK_THROWS_AS(writer.write_row({"late", 1.0, std::int64_t{1}}), ts::Error);
  }
  const ts::CsvTable table = ts::parse_csv_file(path);
  CHECK_FALSE(table.torn_last_line.has_value());
  REQUIRE(table.rows.size() == doubles.size() + 2);
  CHECK(table.rows[0] == std::vector<std::string>{"name", "value", "step"});
  for (std::size_t i = 0; i < doubles.size(); ++i) {
    const auto& row = table.rows[i + 1];
    REQUIRE(row.size() == 3);
    CHECK(row[0] == strings[i % strings.size()]);
    const double back = ts::csv_to_double(row[1], "value");
    CHECK(std::bit_cast<std::uint64_t>(back) == std::bit_cast<std::uint64_t>(doubles[i]));
    CHECK(row[2] == std::to_string(-9 * static_cast<long long>(i)));
  }
  // A float widened to double comes back as the same float.
  const float f = 0.1f;
  CHECK(static_cast<float>(ts::csv_to_double(ts::csv_field(static_cast<double>(f)), "f")) == f);
  CHECK(std::isnan(ts::csv_to_double(table.rows.back()[1], "nan")));
  CHECK(table.rows.back()[1] == "nan");
  CHECK(ts::csv_field(-std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(table.rows.back()[2] == "-9223372036854775808");
  CHECK(ts::csv_field(std::string("a\"b")) == "\"a\"\"b\"");
  CHECK(ts::csv_field(std::string("x,y")) == "\"x,y\"");
  CHECK_THROWS_WITH_AS(ts::csv_to_double("1.5x", "metrics.csv line 3"),
                       "metrics.csv line 3: \"1.5x\" is not a number", ts::Error);
}

TEST_CASE("CSV torn last line is reported apart from the rows") {
  SUBCASE("cut in the middle of a row") {
    const auto t = ts::parse_csv("step,loss\n1,0.5\n2,0.2", "m.csv");
    CHECK(t.rows.size() == 2);
    REQUIRE(t.torn_last_line.has_value());
    CHECK(*t.torn_last_line == "2,0.2");
  }
  SUBCASE("cut inside a quoted field, even across a newline") {
    const auto t = ts::parse_csv("a,b\n1,\"two\nli", "m.csv");
    CHECK(t.rows.size() == 1);
    CHECK(t.torn_last_line == std::optional<std::string>("1,\"two\nli"));
  }
  SUBCASE("cut right after a comma") {
    const auto t = ts::parse_csv("a,b\n1,", "m.csv");
    CHECK(t.torn_last_line == std::optional<std::string>("1,"));
  }
  SUBCASE("complete file, CRLF endings") {
    const auto t = ts::parse_csv("a,b\r\n1,\"x\"\r\n", "m.csv");
    CHECK_FALSE(t.torn_last_line.has_value());
    CHECK(t.rows == std::vector<std::vector<std::string>>{{"a", "b"}, {"1", "x"}});
  }
  SUBCASE("malformed quoting in a complete line is an error naming line and offset") {
    CHECK_THROWS_WITH_AS(ts::parse_csv("a,b\n1\"x,2\n3,4\n", "m.csv"),
                         "m.csv: line 2, byte offset 5: double quote inside an unquoted field",
                         ts::Error);
    CHECK_THROWS_WITH_AS(ts::parse_csv("a,b\n\"1\"x,2\n", "m.csv"),
                         doctest::Contains("m.csv: line 2, byte offset 7"), ts::Error);
  }
}

TEST_CASE("CsvWriter append mode") {
  TempDir dir;
  const fs::path path = dir / "events.csv";
  const std::vector<std::string> header = {"step", "event"};
  {
    ts::CsvWriter w(path, header, ts::CsvWriter::Mode::kAppend);
    w.write_row({std::int64_t{1}, "start"});
  }
  {
    ts::CsvWriter w(path, header, ts::CsvWriter::Mode::kAppend);
    CHECK(w.dropped_torn_bytes() == 0);
    w.write_row({std::int64_t{2}, "prune, 10%"});
    w.flush();
    CHECK(read_plain(path) == "step,event\n1,start\n2,\"prune, 10%\"\n");
  }
  // A crash mid-row leaves a torn fragment; appending cuts it off first.
  write_plain(path, read_plain(path) + "3,\"half");
  CHECK(ts::parse_csv_file(path).torn_last_line == std::optional<std::string>("3,\"half"));
  {
    ts::CsvWriter w(path, header, ts::CsvWriter::Mode::kAppend);
    CHECK(w.dropped_torn_bytes() == 7);
    w.write_row({std::int64_t{3}, "resume"});
  }
  const ts::CsvTable t = ts::parse_csv_file(path);
  CHECK_FALSE(t.torn_last_line.has_value());
  REQUIRE(t.rows.size() == 4);
  CHECK(t.rows[3] == std::vector<std::string>{"3", "resume"});

  CHECK_THROWS_WITH_AS(ts::CsvWriter(path, {"step", "other"}, ts::CsvWriter::Mode::kAppend),
                       doctest::Contains("existing header \"step,event\" differs"), ts::Error);
  {
    ts::CsvWriter w(path, header, ts::CsvWriter::Mode::kTruncate);
    ts::CsvWriter moved = std::move(w);
    moved.write_row({std::int64_t{9}, "fresh"});
  }
  CHECK(read_plain(path) == "step,event\n9,fresh\n");
}

TEST_CASE("CsvWriter errors name the file") {
  TempDir dir;
  write_plain(dir / "file", "x");
  const fs::path under_file = dir / "file" / "metrics.csv";
  CHECK_THROWS_WITH_AS(ts::CsvWriter(under_file, {"a"}, ts::CsvWriter::Mode::kAppend),
                       has(under_file.string() + ": cannot open"), ts::Error);
  if (fs::exists("/dev/full")) {
    CHECK_THROWS_WITH_AS(ts::CsvWriter("/dev/full", {"a"}, ts::CsvWriter::Mode::kTruncate),
                         "/dev/full: cannot write: No space left on device", ts::Error);
    ts::CsvWriter headerless("/dev/full", {}, ts::CsvWriter::Mode::kTruncate);
    headerless.write_row({1.0});
    CHECK_THROWS_WITH_AS(headerless.flush(), doctest::Contains("No space left"), ts::Error);
  }
}
