// The error type of the core. Library code never exits or aborts on bad input: it
// throws ts::Error with a message that names the file or field and what is wrong, and
// the caller (window or command line) shows it.
#pragma once

#include <stdexcept>
#include <string>

namespace ts {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ts
