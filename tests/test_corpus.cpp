// The fuzzing seed corpus (tests/fuzz/corpus/<target>/) through the harnesses' own checks:
// every valid file is accepted and survives a write and re-read, and every malformed file is
// rejected with a message that names the file and contains what EXPECTED says.
#include "tests/fuzz/fuzz_checks.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

namespace fs = std::filesystem;

namespace {

const fs::path kCorpus = TRAINSCOPE_CORPUS_DIR;

std::vector<std::byte> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  const std::string s((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::byte> out(s.size());
  std::transform(s.begin(), s.end(), out.begin(), [](char c) { return std::byte(c); });
  return out;
}

std::map<std::string, std::string> read_expected(const fs::path& dir) {
  std::map<std::string, std::string> expected;
  std::ifstream in(dir / "EXPECTED");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    REQUIRE_MESSAGE(tab != std::string::npos, "EXPECTED line without a tab: ", line);
    expected[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return expected;
}

// The one check a corpus file goes through (idx files are named ok-images-*, bad-labels-*,
// ..., for the reader they are meant for).
ts::fuzz::Outcome check_file(const std::string& target, const fs::path& file) {
  const std::string name = file.filename().string();
  if (target == "idx") {
    const bool images = name.rfind("ok-images", 0) == 0 || name.rfind("bad-images", 0) == 0;
    return images ? ts::fuzz::check_idx_images(file) : ts::fuzz::check_idx_labels(file);
  }
  const auto bytes = read_bytes(file);
  const auto errors = ts::fuzz::check_input(target, bytes, file.string());
  if (errors.empty()) return std::nullopt;
  return errors.front();
}

}  // namespace

TEST_CASE("corpus: valid files pass and every malformed case names its file and its fault") {
  for (const std::string& target : ts::fuzz::targets()) {
    CAPTURE(target);
    const fs::path dir = kCorpus / target;
    REQUIRE(fs::is_directory(dir));
    const auto expected = read_expected(dir);
    std::set<std::string> seen;
    int good = 0, bad = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name == "EXPECTED") continue;
      CAPTURE(name);
      const ts::fuzz::Outcome outcome = check_file(target, entry.path());
      if (name.rfind("ok-", 0) == 0) {
        CHECK_MESSAGE(!outcome, "rejected: ", outcome.value_or(""));
        ++good;
      } else {
        REQUIRE_MESSAGE(name.rfind("bad-", 0) == 0, "corpus files are named ok-* or bad-*");
        REQUIRE_MESSAGE(expected.count(name) == 1, "not listed in EXPECTED");
        seen.insert(name);
        REQUIRE_MESSAGE(outcome, "a malformed file was accepted");
        const std::string& message = *outcome;
        CAPTURE(message);
        CHECK(message.rfind(entry.path().string(), 0) == 0);  // starts with the file
        CHECK(message.find(expected.at(name)) != std::string::npos);
        ++bad;
      }
    }
    CHECK(good >= 1);
    CHECK(bad >= 4);
    for (const auto& entry : expected)
      CHECK_MESSAGE(seen.count(entry.first) == 1, entry.first, " is listed but missing");
  }
}
