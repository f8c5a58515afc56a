#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/io.hpp"
#include "io_stream.hpp"

namespace armada::herald::io {

namespace {

using detail::io_stream;

class io_subscription final : public subscription_driver {
public:
  io_subscription(std::shared_ptr<io_stream> stream, std::string topic, std::uint64_t id)
    : stream_(std::move(stream))
    , topic_(std::move(topic))
    , id_(id) {}

  ~io_subscription() override { close(); }

  caf::expected<std::vector<message>> fetch(std::size_t max,
                                            std::chrono::milliseconds wait) override {
    if (closed_)
      return make_error(errc::closed, "io provider: the subscription to '" + topic_ + "' on " +
                                          stream_->opts().name + " is closed");
    return stream_->fetch(topic_, id_, max, wait);
  }

  caf::error ack(const message& m) override {
    stream_->ack(topic_, id_, m);
    return caf::none;
  }

  caf::error ack_batch(const std::vector<message>& ms) override {
    stream_->ack(topic_, id_, ms);
    return caf::none;
  }

  caf::error nack(const message& m, std::chrono::milliseconds delay) override {
    stream_->nack(topic_, id_, m, delay);
    return caf::none;
  }

  void close() override {
    if (closed_.exchange(true))
      return;
    stream_->detach(topic_, id_);
  }

private:
  std::shared_ptr<io_stream> stream_;
  std::string topic_;
  std::uint64_t id_;
  std::atomic<bool> closed_{false};
};

class io_driver final : public driver {
public:
  explicit io_driver(std::shared_ptr<io_stream> stream)
    : stream_(std::move(stream)) {}

  ~io_driver() override { close(); }

  std::string provider() const override { return "io"; }

  herald::features features() const override {
    herald::features f;
    f.guaranteed_order = true; // one stream, read in order (redeliveries come first when due)
    f.nack_delay = true;       // from this process's memory
    f.retains_messages = true;
    return f;
  }

  caf::expected<publish_receipt> publish(const message& m) override {
    auto r = stream_->publish({m});
    if (!r)
      return r.error();
    return std::move(r->front());
  }

  caf::expected<std::vector<publish_receipt>>
  publish_batch(const std::vector<message>& ms) override {
    if (ms.empty())
      return std::vector<publish_receipt>{};
    return stream_->publish(ms);
  }

  caf::expected<std::unique_ptr<subscription_driver>> subscribe(const std::string& topic,
                                                                const subscribe_options&) override {
    if (topic.empty())
      return make_error(errc::config, "io provider: subscribe needs a topic name");
    auto id = stream_->attach(topic);
    if (!id)
      return id.error();
    return std::unique_ptr<subscription_driver>{
        std::make_unique<io_subscription>(stream_, topic, *id)};
  }

  caf::expected<std::chrono::nanoseconds> ping() override { return stream_->ping(); }

  void close() override { stream_->close(); }

private:
  std::shared_ptr<io_stream> stream_;
};

caf::error config_error(std::string text) {
  return make_error(errc::config, "io provider: " + std::move(text));
}

caf::expected<options> options_from(const url& u, const properties& p) {
  options opts;
  auto& fmt = p.get("format");
  if (fmt == "frames")
    opts.format = format::frames;
  else if (fmt == "ndjson")
    opts.format = format::ndjson;
  else
    return config_error("property 'format' must be frames or ndjson, got '" + fmt + "'");
  auto max_frame = p.integer("max-frame");
  if (max_frame < 1 || max_frame > 0x7fffffff)
    return config_error("property 'max-frame' must be 1..2147483647 bytes, got " +
                        std::to_string(max_frame));
  opts.max_frame = static_cast<std::size_t>(max_frame);
  auto backlog = p.integer("backlog");
  if (backlog < 1)
    return config_error("property 'backlog' must be at least 1, got " + std::to_string(backlog));
  opts.backlog = static_cast<std::size_t>(backlog);
  opts.write_timeout = p.millis("write-timeout");
  opts.default_topic = p.get("topic");
  opts.name = u.text;
  return opts;
}

// The fds a URL names: {read, write, owned}.
struct target {
  int read_fd = -1;
  int write_fd = -1;
  bool owned = false;
};

caf::expected<target> open_target(const url& u, const std::string& mode, bool mode_given) {
  const std::string forms = "io://stdin, io://stdout, io://fd/N, io://pipe or io:///absolute/path";
  if (mode_given && (!u.host.empty() || u.path.empty()))
    return config_error("property 'mode' applies to path URLs only (io:///path?mode=...), not " +
                        u.text);
  if (u.port != 0)
    return config_error("'" + u.text + "' has a port; expected " + forms);
  if (u.host == "stdin" || u.host == "stdout") {
    if (!u.path.empty())
      return config_error("'" + u.text + "' has a path after " + u.host + "; expected " + forms);
    return u.host == "stdin" ? target{STDIN_FILENO, -1, false} : target{-1, STDOUT_FILENO, false};
  }
  if (u.host == "pipe") {
    if (!u.path.empty())
      return config_error("'" + u.text + "' has a path after pipe; expected io://pipe");
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      return make_error(errc::transport,
                        std::string{"io provider: cannot create a pipe: "} + std::strerror(errno));
    return target{fds[0], fds[1], true};
  }
  if (u.host == "fd") {
    int fd = -1;
    auto r = std::from_chars(u.path.data(), u.path.data() + u.path.size(), fd);
    if (r.ec != std::errc{} || r.ptr != u.path.data() + u.path.size() || fd < 0)
      return config_error("'" + u.text + "': fd '" + u.path +
                          "' is not a number; expected io://fd/N");
    return target{fd, fd, false};
  }
  if (!u.host.empty() || u.path.empty())
    return config_error("unknown target '" + u.text + "'; expected " + forms);
  auto path = "/" + u.path;
  int flags = O_CLOEXEC | O_NONBLOCK;
  if (mode == "read")
    flags |= O_RDONLY;
  else if (mode == "write")
    flags |= O_WRONLY | O_CREAT | O_TRUNC;
  else if (mode == "append")
    flags |= O_WRONLY | O_CREAT | O_APPEND;
  else
    return config_error("property 'mode' must be read, write or append, got '" + mode + "'");
  auto fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) {
    auto err = errno;
    if (err == ENXIO)
      return make_error(errc::transport, "io provider: cannot open FIFO " + path +
                                             " for writing: no process has it open for reading; "
                                             "start the reader first");
    return make_error(errc::transport, "io provider: cannot open " + path + " (mode=" + mode +
                                           "): " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return config_error(path + " is a directory; name a file or a FIFO");
  }
  return mode == "read" ? target{fd, -1, true} : target{-1, fd, true};
}

} // namespace

const std::vector<property_spec>& property_specs() {
  static const std::vector<property_spec> specs{
      {"format", property_spec::kind::string, "frames",
       "frames (length-prefixed Protobuf envelopes) or ndjson (one JSON object per line)"},
      {"max-frame", property_spec::kind::integer, "16777216",
       "the longest frame or line in bytes; a longer one ends the stream with an error"},
      {"backlog", property_spec::kind::integer, "10000",
       "messages read from the stream and not yet taken by a subscription, at most"},
      {"write-timeout", property_spec::kind::milliseconds, "30000",
       "longest wait of one publish for a full pipe or socket"},
      {"topic", property_spec::kind::string, "",
       "the topic of messages that carry none (e.g. ndjson lines made by jq)"},
      {"mode", property_spec::kind::string, "read", "for path URLs: read, write or append"},
  };
  return specs;
}

caf::expected<std::shared_ptr<driver>> make_driver(int read_fd, int write_fd, options opts) {
  if (opts.max_frame < 1 || opts.max_frame > 0x7fffffff)
    return config_error(opts.name + ": max-frame must be 1..2147483647 bytes");
  if (opts.backlog < 1)
    return config_error(opts.name + ": backlog must be at least 1");
  auto fds = detail::fd_stream::open(read_fd, write_fd, opts.owns_fds, opts.name);
  if (!fds)
    return fds.error();
  auto stream = std::make_shared<io_stream>(std::move(*fds), std::move(opts));
  return std::shared_ptr<driver>{std::make_shared<io_driver>(std::move(stream))};
}

caf::expected<std::shared_ptr<driver>> open_driver(std::string_view text) {
  auto u = url::parse(text);
  if (!u)
    return u.error();
  if (u->scheme != "io")
    return config_error("URL scheme must be 'io', got '" + u->scheme +
                        "' (io://stdin, io://stdout, io://fd/N, io:///path)");
  auto props = properties::resolve("io", *u, property_specs());
  if (!props)
    return props.error();
  auto opts = options_from(*u, *props);
  if (!opts)
    return opts.error();
  auto t = open_target(*u, props->get("mode"), u->query.count("mode") != 0);
  if (!t)
    return t.error();
  opts->owns_fds = t->owned;
  auto drv = make_driver(t->read_fd, t->write_fd, std::move(*opts));
  if (!drv && t->owned) {
    if (t->read_fd >= 0)
      ::close(t->read_fd);
    if (t->write_fd >= 0 && t->write_fd != t->read_fd)
      ::close(t->write_fd);
  }
  return drv;
}

caf::expected<connection> connect(caf::actor_system& sys, std::string_view text) {
  auto drv = open_driver(text);
  if (!drv)
    return drv.error();
  auto u = url::parse(text);
  return herald::connect(sys, std::move(*drv), u ? u->text : std::string{text});
}

caf::expected<connection> connect_fds(caf::actor_system& sys, int read_fd, int write_fd,
                                      options opts) {
  auto name = opts.name;
  auto drv = make_driver(read_fd, write_fd, std::move(opts));
  if (!drv)
    return drv.error();
  return herald::connect(sys, std::move(*drv), name);
}

} // namespace armada::herald::io
