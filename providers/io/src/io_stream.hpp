#pragma once

// One io stream shared by a driver and its subscriptions: writes whole frames (one writer at a
// time), reads on demand (whichever fetch needs data becomes the one reader, the others wait
// for it), routes what it read to the inbox by topic. Thread-safe; `close` wakes every wait.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "armada/herald/io.hpp"
#include "armada/herald/message.hpp"
#include "fd_stream.hpp"
#include "inbox.hpp"
#include "wire_format.hpp"

namespace armada::herald::io::detail {

class io_stream {
public:
  io_stream(std::unique_ptr<fd_stream> fds, options opts);
  ~io_stream();

  const options& opts() const { return opts_; }
  bool can_read() const { return can_read_; }
  bool can_write() const { return can_write_; }

  /// Writes `ms` in one write; the receipts carry each message's stream offset.
  caf::expected<std::vector<publish_receipt>> publish(std::vector<message> ms);

  /// Checks the fds; returns how long that took.
  caf::expected<std::chrono::nanoseconds> ping();

  /// A new subscription to `topic`; its id for the calls below.
  caf::expected<std::uint64_t> attach(const std::string& topic);
  void detach(const std::string& topic, std::uint64_t sub);

  /// Up to `max` messages of `topic`, waiting at most `wait`. After the last message of a
  /// finished stream: `errc::closed` (end of stream) or the error that ended it.
  caf::expected<std::vector<message>> fetch(const std::string& topic, std::uint64_t sub,
                                            std::size_t max, std::chrono::milliseconds wait);

  void ack(const std::string& topic, std::uint64_t sub, const message& m);
  /// Forgets the messages `ms` handed to `sub` (one lock for all of them).
  void ack(const std::string& topic, std::uint64_t sub, const std::vector<message>& ms);
  void nack(const std::string& topic, std::uint64_t sub, const message& m,
            std::chrono::milliseconds delay);

  /// Stops every wait and closes owned fds. Idempotent, any thread.
  void close();

private:
  caf::error closed_error() const;
  caf::error end_error() const;
  // Decodes complete messages from the buffer into the inbox while there is room.
  void parse_buffer();

  options opts_;
  std::unique_ptr<fd_stream> fds_;
  std::unique_ptr<wire_format> format_;
  bool can_read_;
  bool can_write_;

  std::mutex mtx_;
  std::condition_variable cv_;
  bool closed_ = false;
  bool reading_ = false;
  bool writing_ = false;
  inbox inbox_;
  std::string buffer_;              // bytes read, not yet decoded
  std::uint64_t buffer_offset_ = 0; // stream offset of buffer_[0]
  std::size_t scanned_ = 0;         // bytes of buffer_ known not to hold a whole message
  bool end_of_stream_ = false;
  caf::error read_failure_;   // the stream is not read further after it
  std::mutex write_mtx_;      // one writer at a time (held across the write)
  std::uint64_t written_ = 0; // bytes written
  caf::error write_failure_;  // a frame was cut short: nothing more may be written
};

} // namespace armada::herald::io::detail
