#include "kafka_settings.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

#include "armada/herald/errc.hpp"
#include "armada/herald/redact.hpp"
#include "armada/herald/kafka.hpp"

namespace armada::herald::kafka {

namespace {

constexpr std::string_view passthrough_prefix = "rdkafka.";

caf::error bad(const std::string& property, const std::string& why) {
  return make_error(errc::config, std::string{"kafka provider: property '"} + property + "' " + why);
}

caf::error bad_url(std::string_view text, const std::string& why) {
  return make_error(errc::config, "kafka provider: bad URL '" + redact(text) + "': " + why
                                    + "; expected kafka://HOST:PORT[,HOST:PORT…]?property=value");
}

/// Sets `name` on `conf`; librdkafka's complaint names the property.
caf::error set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value,
               const std::string& shown_as) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    return make_error(errc::config, "kafka provider: property '" + shown_as + "' = '" + shown_value(name, value)
                                      + "' rejected: " + err);
  return caf::none;
}

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count());
}

/// A configuration of `values`, then the pass-through properties (which may override them).
caf::expected<conf_ptr> make_conf(std::vector<conf_value> values,
                                  const std::vector<std::pair<std::string, std::string>>& passthrough) {
  conf_ptr conf{rd_kafka_conf_new()};
  for (auto& [name, value, shown] : values)
    if (auto err = set(conf.get(), name, value, shown))
      return err;
  for (auto& [name, value] : passthrough)
    if (auto err = set(conf.get(), name, value, "rdkafka." + name))
      return err;
  return conf;
}

} // namespace

caf::error transport_error(const std::string& what, rd_kafka_resp_err_t err, std::string_view fix) {
  std::string text = "kafka provider: " + what + " (" + rd_kafka_err2str(err) + ")";
  if (!fix.empty())
    text += "; " + std::string{fix};
  return make_error(errc::transport, std::move(text));
}

caf::expected<settings> settings::parse(std::string_view text) {
  auto sep = text.find("://");
  if (sep == std::string_view::npos)
    return bad_url(text, "no scheme");
  auto scheme = text.substr(0, sep);
  if (scheme != "kafka")
    return make_error(errc::config, "kafka provider: URL scheme must be 'kafka', got '" + std::string{scheme}
                                      + "' (kafka://127.0.0.1:9092?property=value)");
  auto rest = text.substr(sep + 3);
  auto end = std::min(rest.find('/'), rest.find('?'));
  auto authority = rest.substr(0, end);
  auto tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (authority.find('@') != std::string_view::npos)
    return bad_url(text, "credentials do not go in the URL (set rdkafka.sasl.username / rdkafka.sasl.password)");
  settings s;
  // The bootstrap list: host[:port] entries separated by ','.
  std::size_t start = 0;
  while (start <= authority.size()) {
    auto comma = authority.find(',', start);
    auto entry = authority.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (entry.empty())
      return bad_url(text, "the bootstrap list names no host");
    std::string host{entry};
    std::string port = "9092";
    if (auto colon = entry.rfind(':'); colon != std::string_view::npos) {
      host = std::string{entry.substr(0, colon)};
      port = std::string{entry.substr(colon + 1)};
      int p = 0;
      auto r = std::from_chars(port.data(), port.data() + port.size(), p);
      if (r.ec != std::errc{} || r.ptr != port.data() + port.size() || p <= 0 || p > 65535)
        return bad_url(text, "port '" + port + "' is not a number in 1..65535");
    }
    if (host.empty())
      return bad_url(text, "an entry of the bootstrap list has no host");
    s.bootstrap += (s.bootstrap.empty() ? "" : ",") + host + ":" + port;
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  if (tail.size() > 1 && tail[0] == '/' && tail[1] != '?')
    return bad_url(text, "a path means nothing to the kafka provider (topics are given per publish / subscribe)");
  auto u = url::parse("kafka://bootstrap" + std::string{tail});
  if (!u)
    return bad_url(text, "cannot read the properties");
  // rdkafka.* properties go to librdkafka as they are; the rest are ours.
  url own = *u;
  own.query.clear();
  for (auto& [name, value] : u->query) {
    if (name.rfind(passthrough_prefix, 0) == 0) {
      if (name.size() == passthrough_prefix.size())
        return bad(name, "names no librdkafka property (write rdkafka.NAME=value)");
      s.passthrough.emplace_back(name.substr(passthrough_prefix.size()), value);
    } else {
      own.query[name] = value;
    }
  }
  auto props = properties::resolve(provider_name, own, property_specs());
  if (!props)
    return props.error();
  s.shown_url = "kafka://" + s.bootstrap;
  s.client_id = props->get("client-id");
  s.partitioner = props->get("partitioner");
  static const std::vector<std::string> partitioners{"murmur2", "murmur2_random", "consistent", "consistent_random",
                                                     "fnv1a", "fnv1a_random", "random"};
  if (std::find(partitioners.begin(), partitioners.end(), s.partitioner) == partitioners.end())
    return bad("partitioner", "must be one of murmur2, murmur2_random, consistent, consistent_random, fnv1a, "
                              "fnv1a_random, random; got '" + s.partitioner + "'");
  s.idempotence = props->boolean("idempotence");
  s.linger = props->millis("linger");
  s.max_in_flight = props->integer("max-in-flight");
  if (s.max_in_flight < 1 || (s.idempotence && s.max_in_flight > 5))
    return bad("max-in-flight", "must be >= 1 (and <= 5 with idempotence), got " + props->get("max-in-flight"));
  s.message_timeout = props->millis("message-timeout");
  if (s.message_timeout.count() <= 0)
    return bad("message-timeout", "must be > 0 ms (a publish needs time to be acknowledged)");
  s.timeout = props->millis("timeout");
  if (s.timeout.count() <= 0)
    return bad("timeout", "must be > 0 ms");
  s.create_topics = props->boolean("create-topics");
  s.group_per_topic = props->boolean("group-per-topic");
  auto& reset = props->get("auto-offset-reset");
  if (reset != "earliest" && reset != "latest")
    return bad("auto-offset-reset", "must be earliest or latest, got '" + reset + "'");
  s.from_earliest = reset == "earliest";
  s.session_timeout = props->millis("session-timeout");
  s.heartbeat_interval = props->millis("heartbeat-interval");
  if (s.heartbeat_interval.count() <= 0 || s.heartbeat_interval >= s.session_timeout)
    return bad("heartbeat-interval", "must be > 0 and below session-timeout (" + ms(s.session_timeout) + " ms), got "
                                       + ms(s.heartbeat_interval));
  s.commit_interval = props->millis("commit-interval");
  if (s.commit_interval.count() <= 0)
    return bad("commit-interval", "must be > 0 ms");
  s.reconnect_backoff = props->millis("reconnect-backoff");
  s.reconnect_backoff_max = props->millis("reconnect-backoff-max");
  if (s.reconnect_backoff_max < s.reconnect_backoff)
    return bad("reconnect-backoff-max", "must be >= reconnect-backoff");
  // The pass-through properties are checked now, not at the first publish.
  if (auto c = s.producer_conf(); !c)
    return c.error();
  if (auto c = s.consumer_conf("check"); !c)
    return c.error();
  return s;
}

std::vector<conf_value> settings::common_values() const {
  return {
    {"bootstrap.servers", bootstrap, "bootstrap list"},
    {"client.id", client_id, "client-id"},
    {"allow.auto.create.topics", create_topics ? "true" : "false", "create-topics"},
    {"reconnect.backoff.ms", ms(reconnect_backoff), "reconnect-backoff"},
    {"reconnect.backoff.max.ms", ms(reconnect_backoff_max), "reconnect-backoff-max"},
    {"log_level", "2", "log level"}, // errors go to the error callback (and into herald errors)
  };
}

caf::expected<conf_ptr> settings::producer_conf() const {
  auto values = common_values();
  values.insert(values.end(), {
    {"enable.idempotence", idempotence ? "true" : "false", "idempotence"},
    {"acks", "all", "idempotence"},
    {"linger.ms", ms(linger), "linger"},
    {"max.in.flight.requests.per.connection", std::to_string(max_in_flight), "max-in-flight"},
    {"message.timeout.ms", ms(message_timeout), "message-timeout"},
    {"partitioner", partitioner, "partitioner"},
  });
  return make_conf(std::move(values), passthrough);
}

caf::expected<conf_ptr> settings::consumer_conf(const std::string& group) const {
  auto values = common_values();
  values.insert(values.end(), {
    {"group.id", group, "subscribe_options::group"},
    {"enable.auto.commit", "true", "commit-interval"},
    {"enable.auto.offset.store", "false", "commit-interval"}, // only offsets whose predecessors are done
    {"auto.commit.interval.ms", ms(commit_interval), "commit-interval"},
    {"auto.offset.reset", from_earliest ? "earliest" : "latest", "auto-offset-reset"},
    {"session.timeout.ms", ms(session_timeout), "session-timeout"},
    {"heartbeat.interval.ms", ms(heartbeat_interval), "heartbeat-interval"},
    {"enable.partition.eof", "false", "partition eof"},
  });
  return make_conf(std::move(values), passthrough);
}

const std::vector<property_spec>& property_specs() {
  using k = property_spec::kind;
  static const std::vector<property_spec> specs{
    {"client-id", k::string, "armada-herald", "client.id of the producer and consumers"},
    {"partitioner", k::string, "murmur2",
     "key → partition: murmur2 | murmur2_random | consistent | consistent_random | fnv1a | fnv1a_random | random"},
    {"idempotence", k::boolean, "true", "idempotent producer (acks=all; producer retries never duplicate)"},
    {"linger", k::milliseconds, "0", "how long the producer waits to fill a batch"},
    {"max-in-flight", k::integer, "1",
     "produce requests in flight per broker connection (1..5 with idempotence); 1 fills each request with "
     "everything queued meanwhile"},
    {"message-timeout", k::milliseconds, "30000", "a publish not acknowledged by then fails"},
    {"timeout", k::milliseconds, "10000", "metadata requests: connect, ping, topic checks"},
    {"create-topics", k::boolean, "true", "a missing topic is created on use where the broker allows it"},
    {"group-per-topic", k::boolean, "true",
     "the Kafka group.id is <group>@<topic>, so subscribers of other topics never rebalance this one; false: <group>"},
    {"auto-offset-reset", k::string, "earliest", "where a new consumer group starts: earliest | latest"},
    {"session-timeout", k::milliseconds, "10000", "a consumer silent this long leaves its group"},
    {"heartbeat-interval", k::milliseconds, "3000", "consumer heartbeat interval"},
    {"commit-interval", k::milliseconds, "1000", "how often done offsets are committed (also on rebalance and close)"},
    {"reconnect-backoff", k::milliseconds, "100", "first wait before reconnecting to a broker"},
    {"reconnect-backoff-max", k::milliseconds, "10000", "longest wait before reconnecting (exponential, jittered)"},
  };
  return specs;
}

} // namespace armada::herald::kafka
