#pragma once

#include <string>

namespace armada::io_test {

/// The payload of message `i` in the two-process test: NULs, 0xff, a newline, the index.
inline std::string binary_payload(int i) {
  std::string p{"\0\xff\n\x01", 4};
  p += std::to_string(i);
  p += std::string(static_cast<std::size_t>(i % 7) * 100, '\0');
  return p;
}

} // namespace armada::io_test
