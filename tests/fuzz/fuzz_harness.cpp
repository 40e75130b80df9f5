// The libFuzzer entry point, built once per target (tests/fuzz/CMakeLists.txt defines
// TRAINSCOPE_FUZZ_TARGET): each input goes through that target's checks (fuzz_checks.h).
// A rejected input is fine; a crash, an abort on a broken invariant, a hang or an oversized
// allocation is a finding.
#include "tests/fuzz/fuzz_checks.h"

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  ts::fuzz::check_input(TRAINSCOPE_FUZZ_TARGET, bytes, "fuzz-input");
  return 0;
}
