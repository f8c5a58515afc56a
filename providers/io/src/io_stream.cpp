#include "io_stream.hpp"

#include <algorithm>

#include "armada/herald/errc.hpp"
#include "armada/runtime/error.hpp"

namespace armada::herald::io::detail {

namespace {

constexpr std::size_t read_chunk = std::size_t{64} << 10;

using clock_type = std::chrono::steady_clock;

} // namespace

io_stream::io_stream(std::unique_ptr<fd_stream> fds, options opts)
  : opts_(std::move(opts))
  , fds_(std::move(fds))
  , format_(make_wire_format(opts_))
  , can_read_(fds_->can_read())
  , can_write_(fds_->can_write())
  , inbox_(opts_.backlog) {}

io_stream::~io_stream() {
  close();
}

caf::error io_stream::closed_error() const {
  return make_error(errc::closed,
                    "io provider: the connection to " + opts_.name + " is closed; connect again");
}

caf::error io_stream::end_error() const {
  std::string rest;
  if (!buffer_.empty())
    rest = "; " + std::to_string(buffer_.size()) +
           " bytes of an incomplete message at the end were dropped (the writer stopped "
           "mid-frame)";
  return make_error(errc::closed, "io provider: end of stream on " + opts_.name +
                                      ": every complete message was delivered" + rest);
}

caf::expected<std::vector<publish_receipt>> io_stream::publish(std::vector<message> ms) {
  if (!can_write_)
    return make_error(errc::config, "io provider: " + opts_.name +
                                        " is read-only; publish to io://stdout, io://fd/N or a "
                                        "path opened with mode=write");
  std::string bytes;
  std::vector<std::size_t> ends;
  for (auto& m : ms) {
    if (m.id.empty())
      m.id = fresh_id();
    if (m.published == std::chrono::system_clock::time_point{})
      m.published = std::chrono::system_clock::now();
    auto b = format_->encode(m);
    if (!b)
      return b.error();
    bytes += *b;
    ends.push_back(bytes.size());
  }
  std::lock_guard one_writer{write_mtx_};
  {
    std::lock_guard guard{mtx_};
    if (closed_)
      return closed_error();
    if (write_failure_)
      return write_failure_;
    writing_ = true;
  }
  auto r = fds_->write_all(bytes, clock_type::now() + opts_.write_timeout);
  std::uint64_t base = 0;
  {
    std::lock_guard guard{mtx_};
    writing_ = false;
    base = written_;
    written_ += r.written;
    if (r.error && code_of(r.error) == errc::transport)
      write_failure_ = r.error;
    else if (r.error && r.written > 0)
      write_failure_ =
          make_error(errc::transport, "io provider: a frame to " + opts_.name + " was cut short (" +
                                          armada::describe(r.error) +
                                          "); the stream cannot be written any more");
    cv_.notify_all();
  }
  if (r.error)
    return r.error;
  std::vector<publish_receipt> receipts;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    receipts.push_back(publish_receipt{ms[i].id, std::to_string(base + begin)});
    begin = ends[i];
  }
  return receipts;
}

caf::expected<std::chrono::nanoseconds> io_stream::ping() {
  std::lock_guard guard{mtx_};
  if (closed_)
    return closed_error();
  auto start = clock_type::now();
  if (auto err = fds_->check())
    return err;
  return std::max(std::chrono::nanoseconds{1}, clock_type::now() - start);
}

caf::expected<std::uint64_t> io_stream::attach(const std::string& topic) {
  std::lock_guard guard{mtx_};
  if (closed_)
    return closed_error();
  if (!can_read_)
    return make_error(errc::config, "io provider: " + opts_.name +
                                        " is write-only; subscribe on io://stdin, io://fd/N or a "
                                        "path opened with mode=read");
  return inbox_.attach(topic);
}

void io_stream::detach(const std::string& topic, std::uint64_t sub) {
  std::lock_guard guard{mtx_};
  inbox_.detach(topic, sub);
  cv_.notify_all();
}

void io_stream::parse_buffer() {
  std::string_view view{buffer_};
  std::size_t at = 0;
  while (at < view.size()) {
    auto d = format_->decode(view.substr(at), buffer_offset_ + at, scanned_);
    if (d.what == decoded::status::need_more) {
      scanned_ = d.scanned;
      break;
    }
    if (d.what == decoded::status::failed) {
      read_failure_ = std::move(d.error);
      buffer_offset_ += buffer_.size();
      buffer_.clear();
      buffer_.shrink_to_fit();
      scanned_ = 0;
      return;
    }
    if (d.what == decoded::status::message) {
      if (!inbox_.make_room())
        break; // decoded again once a subscription took something
      inbox_.push(std::move(d.msg));
    }
    at += d.consumed;
    scanned_ = 0;
  }
  buffer_.erase(0, at);
  buffer_offset_ += at;
}

caf::expected<std::vector<message>> io_stream::fetch(const std::string& topic, std::uint64_t sub,
                                                     std::size_t max,
                                                     std::chrono::milliseconds wait) {
  std::unique_lock lock{mtx_};
  auto deadline = clock_type::now() + wait;
  for (;;) {
    if (closed_)
      return closed_error();
    if (!read_failure_)
      parse_buffer();
    auto now = clock_type::now();
    auto out = inbox_.take(topic, sub, max, now);
    if (!out.empty()) {
      cv_.notify_all(); // room in the backlog for a waiting reader
      return out;
    }
    auto due = inbox_.next_due(topic);
    bool all_decoded = scanned_ == buffer_.size();
    if (read_failure_ && !due)
      return read_failure_;
    if (end_of_stream_ && all_decoded && !due)
      return end_error();
    if (now >= deadline)
      return std::vector<message>{};
    auto until = due ? std::min(deadline, *due) : deadline;
    if (!reading_ && !read_failure_ && !end_of_stream_ && all_decoded) {
      reading_ = true;
      lock.unlock();
      std::string chunk;
      auto r = fds_->read_some(chunk, read_chunk, until);
      lock.lock();
      reading_ = false;
      switch (r.status) {
      case fd_stream::read_status::data:
        buffer_ += chunk;
        break;
      case fd_stream::read_status::end_of_stream:
        end_of_stream_ = true;
        break;
      case fd_stream::read_status::failed:
        read_failure_ = std::move(r.error);
        break;
      case fd_stream::read_status::timeout:
      case fd_stream::read_status::woken:
        break;
      }
      cv_.notify_all();
      continue;
    }
    cv_.wait_until(lock, until);
  }
}

void io_stream::ack(const std::string& topic, std::uint64_t sub, const message& m) {
  std::lock_guard guard{mtx_};
  inbox_.ack(topic, sub, m);
}

void io_stream::ack(const std::string& topic, std::uint64_t sub, const std::vector<message>& ms) {
  std::lock_guard guard{mtx_};
  for (auto& m : ms)
    inbox_.ack(topic, sub, m);
}

void io_stream::nack(const std::string& topic, std::uint64_t sub, const message& m,
                     std::chrono::milliseconds delay) {
  std::lock_guard guard{mtx_};
  inbox_.nack(topic, sub, m, delay, clock_type::now());
  cv_.notify_all();
}

void io_stream::close() {
  std::unique_lock lock{mtx_};
  if (closed_)
    return;
  closed_ = true;
  fds_->wake();
  cv_.wait(lock, [&] { return !reading_ && !writing_; });
  fds_->close_fds();
  cv_.notify_all();
}

} // namespace armada::herald::io::detail
