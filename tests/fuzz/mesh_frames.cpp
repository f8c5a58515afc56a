// Fuzzes the mesh's frame guard (aegis::detail::frame_parser), which checks every byte a remote
// node sends before CAF's BASP sees it, on a stream cut into reads of any size. The first byte
// picks the read size; the frame limit is small so both verdicts are reached.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "frame_guard.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1)
    return 0;
  auto read_size = std::size_t{data[0]} + 1;
  std::string_view stream{reinterpret_cast<const char*>(data) + 1, size - 1};
  armada::aegis::detail::frame_parser parser{256};
  for (std::size_t at = 0; at < stream.size(); at += read_size) {
    auto chunk = stream.substr(at, read_size);
    if (!parser.feed(chunk.data(), chunk.size()).empty())
      break; // the guard closes the connection
  }
  return 0;
}
