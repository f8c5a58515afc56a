#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"
#include "armada/herald/url.hpp"

namespace armada::herald::io {

/// How messages are written on the stream.
enum class format {
  frames, ///< 4-byte big-endian length + Protobuf envelope (binary safe, every field kept)
  ndjson, ///< one JSON object per line, for pipes, shells and `jq`
};

/// The settings of one io connection (the URL properties, typed). See docs/providers/io.md.
struct options {
  io::format format = format::frames;
  /// The longest frame (frames: envelope bytes; ndjson: line bytes) a reader accepts. A longer
  /// one is an error naming `max-frame`; the stream is not read any further.
  std::size_t max_frame = std::size_t{16} << 20;
  /// Messages read from the stream and not yet handed to a subscription, at most.
  std::size_t backlog = 10000;
  /// How long one publish may wait for a full pipe or socket to take its frame.
  std::chrono::milliseconds write_timeout{30000};
  /// The topic of a message that carries none (a frame with an empty topic, an ndjson line
  /// without "topic"); empty: such a message is a decode error.
  std::string default_topic{};
  /// Whether `close` closes the fds. When the connection owns them it also makes them
  /// non-blocking; borrowed fds keep their flags.
  bool owns_fds = false;
  /// A name for errors and state (`io://fd/3`, `pipe`, …).
  std::string name = "io";
};

/// The io provider: messages over POSIX file descriptors (pipes, FIFOs, files, sockets).
///
/// URLs: `io://stdin` (read fd 0), `io://stdout` (write fd 1), `io://fd/N` (read and write fd
/// N, borrowed), `io://pipe` (a new pipe owned by the connection: its subscriptions read what
/// it publishes; a loopback, e.g. for tests), `io:///path/to/file?mode=read|write|
/// append` (opened and owned; a FIFO opened for writing needs a reader already). Properties:
///   format         string        frames   `frames` or `ndjson`
///   max-frame      integer       16777216 longest frame / line in bytes
///   backlog        integer       10000    messages read but not yet taken by a subscription
///   write-timeout  milliseconds  30000    longest wait of one publish on a full pipe
///   topic          string        ""       topic of messages that carry none
///   mode           string        read     for path URLs: read, write or append
///
/// Semantics: one stream carries messages of many topics; a subscription to T gets only T's
/// messages, competing with the other subscriptions to T on the same connection (no consumer
/// groups: the `group` option is ignored). ack forgets a message; nack(delay) redelivers it
/// from this process's memory after the delay; closing a subscription redelivers what it had
/// not acked. Nothing is persistent. At end of stream the subscriptions deliver what is left,
/// then every fetch fails with `errc::closed`. A frame over `max-frame` or bytes that do not
/// decode end the stream with an error (`errc::decode`) naming the offset and the fix.
/// SIGPIPE never kills the process: it is blocked on the writing thread (or MSG_NOSIGNAL on
/// sockets), and a reader that went away is `errc::transport`. See docs/providers/io.md.
///
/// Fails with `errc::config` naming the bad property or target (checked before anything is
/// opened) or `errc::transport` when the path cannot be opened. Any thread; does not block.
caf::expected<connection> connect(caf::actor_system& sys, std::string_view url);

/// Connects over already-open fds: `read_fd` for subscriptions, `write_fd` for publishing
/// (either may be -1; they may be the same fd, e.g. a socket). With `opts.owns_fds` the
/// connection closes them on `close`; otherwise the caller keeps them and must keep them open
/// until the connection is closed. Fails with `errc::config` for an fd that is not open or a
/// bad option; on failure the fds stay the caller's (ownership passes only on success).
caf::expected<connection> connect_fds(caf::actor_system& sys, int read_fd, int write_fd,
                                      options opts = {});

/// The driver behind `connect` (for tests and for wrapping in another driver).
caf::expected<std::shared_ptr<driver>> open_driver(std::string_view url);

/// The driver behind `connect_fds`.
caf::expected<std::shared_ptr<driver>> make_driver(int read_fd, int write_fd, options opts = {});

/// The property list of the io provider.
const std::vector<property_spec>& property_specs();

} // namespace armada::herald::io
