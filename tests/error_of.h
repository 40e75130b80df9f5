// Helpers the data tests share: the message of the ts::Error a call throws.
#pragma once

#include "core/error.h"

#include <functional>
#include <string>

namespace ts::testing {

// The message of the ts::Error `f` throws, or "<no ts::Error thrown>".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ts::Error& e) {
    return e.what();
  }
  return "<no ts::Error thrown>";
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace ts::testing
