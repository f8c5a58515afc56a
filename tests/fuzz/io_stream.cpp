// Fuzzes the io provider's wire formats (length-prefixed envelope frames and ndjson lines) on a
// stream that arrives in reads of any size, decoded the way io_stream::parse_buffer does: the
// first byte picks the format, max-frame and default topic, the second the read size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "wire_format.hpp"

using armada::herald::io::detail::decoded;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2)
    return 0;
  auto how = data[0];
  auto read_size = std::size_t{data[1]} + 1;
  armada::herald::io::options opts;
  opts.format = (how & 1) != 0 ? armada::herald::io::format::ndjson : armada::herald::io::format::frames;
  opts.max_frame = (how & 2) != 0 ? 64 : 4096;
  opts.default_topic = (how & 4) != 0 ? "orders" : "";
  auto format = armada::herald::io::detail::make_wire_format(opts);
  std::string stream{reinterpret_cast<const char*>(data) + 2, size - 2};
  std::string buffer;
  std::uint64_t buffer_offset = 0;
  std::size_t scanned = 0;
  for (std::size_t read = 0; read < stream.size(); read += read_size) {
    buffer += stream.substr(read, read_size);
    std::size_t at = 0;
    while (at < buffer.size()) {
      auto d = format->decode(std::string_view{buffer}.substr(at), buffer_offset + at, scanned);
      if (d.what == decoded::status::need_more) {
        if (d.scanned > buffer.size() - at)
          std::abort(); // scanned past the end of the buffer
        scanned = d.scanned;
        break;
      }
      if (d.what == decoded::status::failed)
        return 0; // the stream is not read any further
      if (d.consumed == 0 || d.consumed > buffer.size() - at)
        std::abort(); // a message or skipped line must take bytes of the buffer, and only those
      if (d.what == decoded::status::message && (d.msg.topic.empty() || d.msg.id.empty()))
        std::abort();
      at += d.consumed;
      scanned = 0;
    }
    buffer.erase(0, at);
    buffer_offset += at;
  }
  return 0;
}
