#include "armada/herald/nats/client.hpp"

#include <cstdlib>
#include <cstring>
#include <sstream>

namespace armada::herald::nats {

namespace {

bool valid_header_name(std::string_view name) {
  if (name.empty())
    return false;
  for (unsigned char c : name)
    if (c <= 32 || c >= 127 || c == ':')
      return false;
  return true;
}

bool valid_subject(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.')
    return false;
  char prev = 0;
  for (unsigned char c : s) {
    if (c <= 32 || c == 127)
      return false;
    if (c == '.' && prev == '.')
      return false;
    prev = static_cast<char>(c);
  }
  return true;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in{text};
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty())
      out.push_back(item);
  return out;
}

struct options_deleter {
  void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};

} // namespace

const std::vector<property_spec>& client_property_specs() {
  using k = property_spec::kind;
  static const std::vector<property_spec> specs{
    {"connect-timeout", k::milliseconds, "2000", "how long connecting to one server may take"},
    {"timeout", k::milliseconds, "5000", "how long a publish (flush / PubAck), ping or JetStream request may take"},
    {"max-reconnect", k::integer, "60", "reconnect attempts after a lost connection (-1: forever)"},
    {"reconnect-wait", k::milliseconds, "250", "pause between reconnect attempts to one server"},
    {"reconnect-jitter", k::milliseconds, "100", "random extra pause added to reconnect-wait"},
    {"servers", k::string, "", "more servers of the cluster, comma separated (nats://host:port,…)"},
    {"subject-prefix", k::string, "", "prepended to every topic to make its subject (e.g. 'orders.')"},
    {"name", k::string, "armada", "the client name the server shows (connz)"},
  };
  return specs;
}

caf::error status_error(std::string_view provider, const std::string& what, natsStatus s) {
  auto code = s == NATS_CONNECTION_CLOSED || s == NATS_INVALID_SUBSCRIPTION ? errc::closed : errc::transport;
  std::string text = std::string{provider} + " provider: " + what + " (" + natsStatus_GetText(s);
  if (s == NATS_CONNECTION_CLOSED)
    text += "; connect again";
  text += ")";
  return make_error(code, std::move(text));
}

caf::expected<std::shared_ptr<client>> client::open(std::string provider, const url& u,
                                                    const properties& props) {
  auto fail = [&](std::string text) { return make_error(errc::config, provider + " provider: " + text); };
  if (u.host.empty())
    return fail("the URL needs a host (" + u.scheme + "://127.0.0.1:4222)");
  if (!u.path.empty())
    return fail("the URL has a path '/" + u.path + "' but takes none (" + u.scheme + "://HOST:PORT?property=value)");
  auto positive = [&](const char* name) { return props.millis(name).count() > 0; };
  for (auto name : {"connect-timeout", "timeout"})
    if (!positive(name))
      return fail(std::string{"property '"} + name + "' must be > 0 ms");
  if (props.integer("max-reconnect") < -1)
    return fail("property 'max-reconnect' must be -1 (forever) or >= 0");
  if (props.millis("reconnect-wait").count() < 0 || props.millis("reconnect-jitter").count() < 0)
    return fail("properties 'reconnect-wait' and 'reconnect-jitter' must be >= 0 ms");
  auto prefix = props.get("subject-prefix");
  if (!prefix.empty() && !valid_subject(prefix + "x"))
    return fail("property 'subject-prefix' ('" + prefix + "') must be subject tokens, e.g. 'orders.'");

  std::shared_ptr<client> c{new client};
  c->provider_ = provider;
  auto port = u.port == 0 ? std::uint16_t{4222} : u.port;
  c->address_ = u.host + ":" + std::to_string(port);
  c->subject_prefix_ = prefix;
  c->timeout_ = props.millis("timeout");

  natsOptions* raw = nullptr;
  if (auto s = natsOptions_Create(&raw); s != NATS_OK)
    return status_error(provider, "cannot create client options", s);
  std::unique_ptr<natsOptions, options_deleter> opts{raw};
  auto main_url = "nats://" + c->address_;
  auto extra = split_list(props.get("servers"));
  std::vector<const char*> servers{main_url.c_str()};
  for (auto& e : extra)
    servers.push_back(e.c_str());
  natsStatus s = natsOptions_SetServers(opts.get(), servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK)
    s = natsOptions_SetTimeout(opts.get(), props.millis("connect-timeout").count());
  if (s == NATS_OK)
    s = natsOptions_SetName(opts.get(), props.get("name").c_str());
  if (s == NATS_OK)
    s = natsOptions_SetAllowReconnect(opts.get(), true);
  if (s == NATS_OK)
    s = natsOptions_SetMaxReconnect(opts.get(), static_cast<int>(props.integer("max-reconnect")));
  if (s == NATS_OK)
    s = natsOptions_SetReconnectWait(opts.get(), props.millis("reconnect-wait").count());
  if (s == NATS_OK)
    s = natsOptions_SetReconnectJitter(opts.get(), props.millis("reconnect-jitter").count(),
                                       props.millis("reconnect-jitter").count());
  if (s == NATS_OK)
    s = natsOptions_SetNoRandomize(opts.get(), true); // the URL's server first, then `servers`
  if (s != NATS_OK)
    return fail(std::string{"invalid connection settings ("} + natsStatus_GetText(s)
                + "); check 'servers' (nats://host:port,…)");
  s = natsConnection_Connect(&c->nc_, opts.get());
  if (s != NATS_OK) {
    c->nc_ = nullptr;
    return make_error(errc::transport, provider + " provider: cannot connect to " + c->address_ + " ("
                                         + natsStatus_GetText(s)
                                         + "); is nats-server running? see scripts/servers");
  }
  return c;
}

client::~client() {
  close();
  if (nc_ != nullptr)
    natsConnection_Destroy(nc_);
}

caf::expected<std::string> client::subject_of(const std::string& topic) const {
  auto subject = subject_prefix_ + topic;
  if (topic.empty() || !valid_subject(subject) || subject.find_first_of("*>") != std::string::npos)
    return make_error(errc::config, provider_ + " provider: topic '" + topic
                                      + "' is not a NATS subject (tokens separated by '.', no spaces, "
                                        "no '*' or '>')");
  return subject;
}

caf::expected<std::chrono::nanoseconds> client::ping() {
  if (closed_)
    return closed_error();
  auto start = std::chrono::steady_clock::now();
  if (auto s = natsConnection_FlushTimeout(nc_, timeout_.count()); s != NATS_OK)
    return status_error(provider_, "ping to " + address_ + " failed", s);
  return std::chrono::steady_clock::now() - start;
}

caf::error client::closed_error() const {
  return make_error(errc::closed, provider_ + " provider: the connection is closed; connect again");
}

void client::close() {
  if (closed_.exchange(true))
    return;
  if (nc_ != nullptr)
    natsConnection_Close(nc_); // thread-safe; wakes blocked NextMsg / Fetch / Flush
}

caf::expected<msg_ptr> to_nats(std::string_view provider, const message& m, const std::string& subject) {
  natsMsg* raw = nullptr;
  if (auto s = natsMsg_Create(&raw, subject.c_str(), nullptr, m.payload.data(),
                              static_cast<int>(m.payload.size()));
      s != NATS_OK)
    return status_error(provider, "cannot make a message for '" + subject + "'", s);
  msg_ptr msg{raw};
  auto encode_error = [&](std::string text) {
    return make_error(errc::encode, std::string{provider} + " provider: " + std::move(text));
  };
  natsStatus s = NATS_OK;
  if (!m.id.empty())
    s = natsMsgHeader_Set(raw, id_header, m.id.c_str());
  if (s == NATS_OK && !m.key.empty())
    s = natsMsgHeader_Set(raw, key_header, m.key.c_str());
  for (auto& [name, value] : m.metadata) {
    if (s != NATS_OK)
      break;
    if (!valid_header_name(name) || name == id_header || name == key_header)
      return encode_error("metadata name '" + name + "' cannot be a NATS header (no spaces, ':' or "
                          "control characters; '" + id_header + "' and '" + key_header + "' are reserved)");
    if (value.find('\r') != std::string::npos)
      return encode_error("metadata '" + name + "' contains '\\r', which NATS headers cannot carry");
    std::size_t start = 0;
    bool first = true;
    while (s == NATS_OK) {
      auto end = value.find('\n', start);
      auto part = value.substr(start, end == std::string::npos ? std::string::npos : end - start);
      s = first ? natsMsgHeader_Set(raw, name.c_str(), part.c_str())
                : natsMsgHeader_Add(raw, name.c_str(), part.c_str());
      first = false;
      if (end == std::string::npos)
        break;
      start = end + 1;
    }
  }
  if (s != NATS_OK)
    return status_error(provider, "cannot set the headers of a message for '" + subject + "'", s);
  return msg;
}

message from_nats(natsMsg* msg, const std::string& topic) {
  message m;
  m.topic = topic;
  if (auto data = natsMsg_GetData(msg); data != nullptr)
    m.payload.assign(data, static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
    for (int i = 0; i < count; ++i) {
      // The id and the key hold one value each: read in place, without a list of values.
      std::string* single = std::strcmp(keys[i], id_header) == 0    ? &m.id
                            : std::strcmp(keys[i], key_header) == 0 ? &m.key
                                                                    : nullptr;
      if (single != nullptr) {
        const char* value = nullptr;
        if (natsMsgHeader_Get(msg, keys[i], &value) == NATS_OK && value != nullptr)
          single->assign(value);
        continue;
      }
      const char** values = nullptr;
      int n = 0;
      if (natsMsgHeader_Values(msg, keys[i], &values, &n) != NATS_OK)
        continue;
      auto& joined = m.metadata[keys[i]]; // a multi-value header: its values joined by '\n'
      for (int j = 0; j < n; ++j) {
        if (j > 0)
          joined += '\n';
        joined += values[j];
      }
      std::free(static_cast<void*>(values));
    }
    std::free(static_cast<void*>(keys));
  }
  return m;
}

} // namespace armada::herald::nats
