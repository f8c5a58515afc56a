#include "armada/herald/amqp.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <mutex>
#include <set>

#include "amqp_record.hpp"
#include "amqp_session.hpp"
#include "amqp_subscription.hpp"
#include "armada/herald/errc.hpp"
#include "armada/runtime/uuid.hpp"

namespace armada::herald::amqp {

namespace {

using namespace std::chrono_literals;

/// What the broker said about each publish of a batch.
struct confirms {
  std::uint64_t first_tag = 0;
  std::vector<char> acked;    // by tag - first_tag
  std::vector<char> nacked;
  std::set<std::string> returned; // message ids of basic.return
  std::string return_text;

  bool complete() const {
    for (std::size_t i = 0; i < acked.size(); ++i)
      if (!acked[i] && !nacked[i])
        return false;
    return true;
  }
  void settle(std::uint64_t tag, bool multiple, bool ok) {
    auto mark = [&](std::uint64_t t) {
      if (t < first_tag || t - first_tag >= acked.size())
        return;
      (ok ? acked : nacked)[t - first_tag] = 1;
    };
    if (!multiple)
      return mark(tag);
    for (auto t = first_tag; t <= tag && t - first_tag < acked.size(); ++t)
      mark(t);
  }
};

class amqp_driver final : public driver {
public:
  amqp_driver(endpoint ep, std::string default_group)
    : ep_(ep), default_group_(std::move(default_group)), session_(std::move(ep)) {}

  /// Connects once now, so a wrong address, password or vhost fails at connect.
  caf::error start() {
    std::lock_guard guard{mtx_};
    return ensure_session();
  }

  std::string provider() const override { return provider_name; }

  herald::features features() const override {
    herald::features f;
    f.consumer_groups = true;  // a queue per group, its consumers compete
    f.guaranteed_order = true; // one queue is FIFO (a nack requeues)
    f.persistent = true;       // durable exchanges and queues, persistent messages
    f.exactly_once = false;
    f.new_subscriber_receives_old = false; // a group's queue holds what was published after it existed
    f.restartable_server = true;
    f.nack_delay = true;
    f.retains_messages = true; // in the queue of the default group, and of every group that subscribed once
    return f;
  }

  caf::expected<publish_receipt> publish(const message& m) override {
    auto r = publish_batch(std::vector<message>{m});
    if (!r)
      return r.error();
    return std::move(r->front());
  }

  caf::expected<std::vector<publish_receipt>> publish_batch(const std::vector<message>& ms) override {
    std::lock_guard guard{mtx_};
    if (closing_)
      return closed_error();
    if (auto err = ensure_session())
      return err;
    std::vector<publish_receipt> receipts(ms.size());
    // Topology first: no RPC may run between a publish and its confirm.
    for (auto& m : ms) {
      if (m.topic.empty())
        return make_error(errc::config, "amqp provider: a message needs a topic (message " + m.id + ")");
      if (auto err = session_.ensure_topology(m.topic, default_group_))
        return err;
    }
    confirms c;
    c.first_tag = next_tag_;
    c.acked.assign(ms.size(), 0);
    c.nacked.assign(ms.size(), 0);
    for (std::size_t i = 0; i < ms.size(); ++i) {
      auto& m = ms[i];
      receipts[i].id = m.id.empty() ? uuid::random().to_string() : m.id;
      message copy;
      const message* src = &m;
      if (m.id.empty()) {
        copy = m;
        copy.id = receipts[i].id;
        src = &copy;
      }
      outgoing_properties props{*src};
      auto exchange = ep_.exchange(m.topic);
      auto st = amqp_basic_publish(session_.state(), amqp_session::channel, bytes_of(exchange), bytes_of(m.key), 1, 0,
                                   props.get(), bytes_of(m.payload));
      if (st != AMQP_STATUS_OK)
        return session_.lost("basic.publish to exchange '" + exchange + "'", st);
      receipts[i].broker = std::to_string(next_tag_++);
    }
    if (auto err = await(c))
      return err;
    for (std::size_t i = 0; i < ms.size(); ++i) {
      if (c.returned.count(receipts[i].id) > 0)
        return make_error(errc::transport, "amqp provider: message " + receipts[i].id + " to '" + ms[i].topic
                                             + "' is unroutable (" + c.return_text + "): no queue is bound to exchange '"
                                             + ep_.exchange(ms[i].topic) + "'; subscribe first, or set default-group");
      if (c.nacked[i])
        return make_error(errc::transport, "amqp provider: " + ep_.shown() + " refused message " + receipts[i].id
                                             + " to '" + ms[i].topic + "' (basic.nack: the broker could not store it)");
    }
    return receipts;
  }

  caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options& opts) override {
    if (topic.empty())
      return make_error(errc::config, "amqp provider: subscribe needs a topic");
    if (opts.group.empty())
      return make_error(errc::config, "amqp provider: subscribe needs a group (subscribe_options::group)");
    if (closing_)
      return closed_error();
    auto sub = std::make_unique<amqp_subscription>(ep_, topic, opts.group, opts.prefetch);
    if (auto err = sub->start())
      return err;
    return std::unique_ptr<subscription_driver>{std::move(sub)};
  }

  caf::expected<std::chrono::nanoseconds> ping() override {
    std::lock_guard guard{mtx_};
    if (closing_)
      return closed_error();
    auto start = std::chrono::steady_clock::now();
    if (auto err = ensure_session())
      return err;
    // A passive declare of a built-in exchange: one RPC round trip.
    static const std::string probe = "amq.fanout", type = "fanout";
    amqp_exchange_declare(session_.state(), amqp_session::channel, bytes_of(probe), bytes_of(type), 1, 1, 0, 0,
                          amqp_empty_table);
    if (auto err = session_.check("ping (a passive exchange.declare)"))
      return err;
    return std::max(std::chrono::nanoseconds{1}, std::chrono::steady_clock::now() - start);
  }

  void close() override {
    closing_ = true;
    std::lock_guard guard{mtx_};
    session_.disconnect();
  }

private:
  caf::error closed_error() const {
    return make_error(errc::closed, "amqp provider: the connection to " + ep_.shown() + " is closed; connect again");
  }

  /// Connected, with the channel in confirm mode.
  caf::error ensure_session() {
    bool fresh = false;
    if (auto err = session_.ensure(fresh))
      return err;
    if (!fresh)
      return caf::none;
    amqp_confirm_select(session_.state(), amqp_session::channel);
    if (auto err = session_.check("confirm.select"))
      return err;
    next_tag_ = 1;
    return caf::none;
  }

  /// Reads frames until every publish of `c` is confirmed (acked or nacked), within the timeout.
  caf::error await(confirms& c) {
    auto deadline = std::chrono::steady_clock::now() + ep_.timeout;
    auto* conn = session_.state();
    while (!c.complete()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || closing_) {
        session_.disconnect(); // the state of what is unconfirmed is unknown: start over
        return make_error(closing_ ? errc::closed : errc::timeout,
                          "amqp provider: " + ep_.shown() + " did not confirm " + std::to_string(c.acked.size())
                            + " publish(es) within " + std::to_string(ep_.timeout.count())
                            + " ms (property 'timeout'); they may or may not be stored");
      }
      amqp_frame_t frame{};
      auto tv = to_timeval(std::min(left, std::chrono::milliseconds{100}));
      auto st = amqp_simple_wait_frame_noblock(conn, &frame, &tv);
      if (st == AMQP_STATUS_TIMEOUT)
        continue;
      if (st != AMQP_STATUS_OK)
        return session_.lost("waiting for publisher confirms", st);
      if (frame.frame_type != AMQP_FRAME_METHOD)
        continue;
      switch (frame.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
          auto* a = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
          c.settle(a->delivery_tag, a->multiple != 0, true);
          break;
        }
        case AMQP_BASIC_NACK_METHOD: {
          auto* n = static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded);
          c.settle(n->delivery_tag, n->multiple != 0, false);
          break;
        }
        case AMQP_BASIC_RETURN_METHOD: {
          auto* r = static_cast<amqp_basic_return_t*>(frame.payload.method.decoded);
          c.return_text = std::to_string(r->reply_code) + " " + text_of(r->reply_text);
          amqp_message_t returned{};
          auto rr = amqp_read_message(conn, amqp_session::channel, &returned, 0);
          if (rr.reply_type != AMQP_RESPONSE_NORMAL)
            return session_.lost("reading a returned message", rr.library_error);
          c.returned.insert(text_of(returned.properties.message_id));
          amqp_destroy_message(&returned);
          break; // its basic.ack follows
        }
        case AMQP_CHANNEL_CLOSE_METHOD:
        case AMQP_CONNECTION_CLOSE_METHOD: {
          auto* cl = static_cast<amqp_channel_close_t*>(frame.payload.method.decoded); // same layout
          auto text = std::to_string(cl->reply_code) + " " + text_of(cl->reply_text);
          session_.disconnect();
          return make_error(errc::transport, "amqp provider: " + ep_.shown() + " closed the channel while confirming ("
                                               + text + "); the publish may not be stored");
        }
        default:
          break;
      }
    }
    return caf::none;
  }

  endpoint ep_;
  std::string default_group_;
  std::mutex mtx_; // publish / ping on the connection actor; close on any thread
  std::atomic<bool> closing_{false};
  amqp_session session_;
  std::uint64_t next_tag_ = 1;
};

caf::error bad(const std::string& property, const std::string& why) {
  return make_error(errc::config, "amqp provider: property '" + property + "' " + why);
}

/// An exchange name the broker accepts for declare: up to 255 of [A-Za-z0-9-_.:], not "amq.*".
bool valid_exchange_name(const std::string& name) {
  if (name.size() > 255 || name.rfind("amq.", 0) == 0)
    return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    int v = 0;
    if (in[i] == '%' && i + 2 < in.size()
        && std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16).ptr == in.data() + i + 3) {
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

} // namespace

const std::vector<property_spec>& property_specs() {
  using k = property_spec::kind;
  static const std::vector<property_spec> specs{
    {"prefix", k::string, "herald.", "prefix of exchange and queue names"},
    {"default-group", k::string, "default",
     "the group whose queue a publisher declares (messages wait for it from the first publish); empty: none"},
    {"declare", k::boolean, "true", "declare exchanges and queues if missing; false: a missing one is an error"},
    {"timeout", k::milliseconds, "10000", "RPC replies and publisher confirms"},
    {"connect-timeout", k::milliseconds, "5000", "TCP connect and AMQP handshake"},
    {"heartbeat", k::integer, "0", "AMQP heartbeat in seconds (0: off)"},
    {"dead-letter-exchange", k::string, "",
     "exchange a group queue dead-letters to (x-dead-letter-exchange; declared as a durable fanout exchange if "
     "missing): messages herald gives up on land there; empty: none"},
    {"dead-letter-routing-key", k::string, "",
     "routing key of dead-lettered messages (x-dead-letter-routing-key); empty: the message's own"},
  };
  return specs;
}

caf::expected<std::shared_ptr<driver>> make_driver(std::string_view text) {
  auto u = url::parse(text);
  if (!u)
    return u.error();
  if (u->scheme != "amqp")
    return make_error(errc::config, "amqp provider: URL scheme must be 'amqp', got '" + u->scheme
                                      + "' (amqp://user:password@127.0.0.1:5672/vhost; TLS is not supported)");
  if (u->host.empty())
    return make_error(errc::config, "amqp provider: the URL names no host; write amqp://127.0.0.1:5672");
  auto props = properties::resolve(provider_name, *u, property_specs());
  if (!props)
    return props.error();
  endpoint ep;
  ep.host = u->host;
  ep.port = u->port != 0 ? u->port : 5672;
  ep.vhost = u->path.empty() ? "/" : u->path;
  // user:password of the authority (url::parse keeps neither).
  auto authority = text.substr(text.find("://") + 3);
  authority = authority.substr(0, std::min(authority.find('/'), authority.find('?')));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    auto info = authority.substr(0, at);
    auto colon = info.find(':');
    ep.user = percent_decode(info.substr(0, colon));
    ep.password = colon == std::string_view::npos ? std::string{} : percent_decode(info.substr(colon + 1));
  }
  ep.prefix = props->get("prefix");
  ep.declare = props->boolean("declare");
  ep.timeout = props->millis("timeout");
  ep.connect_timeout = props->millis("connect-timeout");
  if (ep.timeout.count() <= 0)
    return bad("timeout", "must be > 0 ms");
  if (ep.connect_timeout.count() <= 0)
    return bad("connect-timeout", "must be > 0 ms");
  auto heartbeat = props->integer("heartbeat");
  if (heartbeat < 0 || heartbeat > 65535)
    return bad("heartbeat", "must be 0..65535 seconds, got " + props->get("heartbeat"));
  ep.heartbeat = static_cast<int>(heartbeat);
  ep.dead_letter_exchange = props->get("dead-letter-exchange");
  ep.dead_letter_routing_key = props->get("dead-letter-routing-key");
  if (!ep.dead_letter_exchange.empty() && !valid_exchange_name(ep.dead_letter_exchange))
    return bad("dead-letter-exchange", "must be at most 255 letters, digits, '-', '_', '.' or ':' and not start with "
                                       "'amq.' (reserved by the broker), got '" + ep.dead_letter_exchange + "'");
  if (!ep.dead_letter_routing_key.empty() && ep.dead_letter_exchange.empty())
    return bad("dead-letter-routing-key", "needs property 'dead-letter-exchange'");
  if (ep.dead_letter_routing_key.size() > 255)
    return bad("dead-letter-routing-key", "must be at most 255 bytes");
  auto drv = std::make_shared<amqp_driver>(std::move(ep), props->get("default-group"));
  if (auto err = drv->start())
    return err;
  return std::shared_ptr<driver>{std::move(drv)};
}

caf::expected<connection> connect(caf::actor_system& sys, std::string_view text) {
  auto drv = make_driver(text);
  if (!drv)
    return drv.error();
  return herald::connect(sys, std::move(*drv), url::parse(text)->text);
}

} // namespace armada::herald::amqp
