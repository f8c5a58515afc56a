// Fuzzes SigV4 canonicalisation (header names and values, query, path, method) with whatever a
// caller or a redirect may put there: signing never fails and never reads out of bounds. Input:
// lines method, path, query, region, service, date, then `name:value` header lines up to an
// empty line, then the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "armada/herald/sigv4.hpp"

namespace {

/// The text up to the next '\n' of `rest` (all of it when there is none); drops it from `rest`.
std::string next_line(std::string_view& rest) {
  auto nl = rest.find('\n');
  std::string line{rest.substr(0, nl)};
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armada::herald::aws;
  std::string_view rest{reinterpret_cast<const char*>(data), size};
  signing_input s;
  s.method = next_line(rest);
  s.path = next_line(rest);
  s.query = next_line(rest);
  s.region = next_line(rest);
  s.service = next_line(rest);
  s.amz_date = next_line(rest);
  while (!rest.empty()) {
    auto header = next_line(rest);
    if (header.empty())
      break;
    auto colon = header.find(':');
    s.headers.emplace_back(header.substr(0, colon),
                           colon == std::string::npos ? std::string{} : header.substr(colon + 1));
  }
  s.body = std::string{rest};
  credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  (void) sign(s, creds);
  (void) uri_encode(s.path);
  return 0;
}
