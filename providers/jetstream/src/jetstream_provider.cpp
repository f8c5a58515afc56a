#include "armada/herald/jetstream.hpp"

#include <map>
#include <string_view>
#include <unordered_set>

#include "armada/herald/errc.hpp"
#include "armada/herald/nats/client.hpp"
#include "jetstream_catalog.hpp"
#include "jetstream_subscription.hpp"

namespace armada::herald::jetstream {

namespace {

/// PubAcks of one batch, filled by nats.c's publish-async thread.
struct batch_acks {
  std::mutex mtx;
  std::map<std::string, publish_receipt> acked; // by message id
  std::map<std::string, std::string> failed;    // by message id: why
};

void on_pub_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  auto* acks = static_cast<batch_acks*>(closure);
  const char* id = nullptr;
  natsMsgHeader_Get(msg, nats::id_header, &id);
  std::string key = id != nullptr ? id : "";
  {
    std::lock_guard guard{acks->mtx};
    if (pa != nullptr)
      acks->acked[key] = publish_receipt{key, std::string{pa->Stream} + ":" + std::to_string(pa->Sequence)};
    else if (pae != nullptr)
      acks->failed[key] = pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err);
  }
  natsMsg_Destroy(msg);
}

class jetstream_driver final : public driver {
public:
  /// `acks` is the closure of the PubAck handler registered with `js`.
  jetstream_driver(std::shared_ptr<nats::client> c, jsCtx* js, settings s, std::unique_ptr<batch_acks> acks)
    : client_(std::move(c)), js_(js), catalog_(js, s, client_->address()), settings_(std::move(s)),
      acks_(std::move(acks)) {}

  ~jetstream_driver() override {
    client_->close();
    jsCtx_Destroy(js_);
  }

  std::string provider() const override { return provider_name; }

  herald::features features() const override {
    herald::features f;
    f.consumer_groups = true;
    f.guaranteed_order = true;
    f.persistent = settings_.storage == js_FileStorage;
    f.new_subscriber_receives_old = true; // DeliverAll
    f.nack_delay = true;
    f.retains_messages = true;
    return f;
  }

  caf::expected<publish_receipt> publish(const message& m) override {
    if (client_->closed())
      return client_->closed_error();
    route_cache routes{*client_, catalog_};
    auto msg = prepare(m, routes);
    if (!msg)
      return msg.error();
    jsPubOptions popts;
    jsPubOptions_Init(&popts);
    popts.MaxWait = client_->timeout().count();
    jsPubAck* pa = nullptr;
    jsErrCode jerr{};
    auto s = js_PublishMsg(&pa, js_, msg->get(), &popts, &jerr);
    if (s == NATS_NO_RESPONDERS)
      catalog_.forget(routes.stream()); // the stream went away: look it up (or create it) next time
    if (s != NATS_OK)
      return nats::status_error(provider_name, "publish to '" + m.topic + "' on " + client_->address()
                                                 + " got no PubAck", s);
    publish_receipt r{m.id, std::string{pa->Stream} + ":" + std::to_string(pa->Sequence)};
    jsPubAck_Destroy(pa);
    return r;
  }

  caf::expected<std::vector<publish_receipt>> publish_batch(const std::vector<message>& ms) override {
    std::unordered_set<std::string_view> ids;
    ids.reserve(ms.size());
    for (auto& m : ms)
      if (m.id.empty() || !ids.insert(m.id).second)
        return driver::publish_batch(ms); // PubAcks are matched by id: one by one then
    if (client_->closed())
      return client_->closed_error();
    {
      std::lock_guard guard{acks_->mtx};
      acks_->acked.clear();
      acks_->failed.clear();
    }
    jsPubOptions popts;
    jsPubOptions_Init(&popts);
    popts.MaxWait = client_->timeout().count();
    bool sent = false; // nothing of this batch waits for a PubAck yet
    route_cache routes{*client_, catalog_};
    for (auto& m : ms) {
      auto prepared = prepare(m, routes);
      if (!prepared)
        return sent ? abandon(prepared.error()) : prepared.error();
      auto* raw = prepared->release();
      if (auto s = js_PublishMsgAsync(js_, &raw, nullptr); s != NATS_OK) {
        natsMsg_Destroy(raw); // still ours when the call failed
        auto err = nats::status_error(provider_name, "cannot publish to '" + m.topic + "' on " + client_->address(), s);
        return sent ? abandon(std::move(err)) : err;
      }
      sent = true;
    }
    if (auto s = js_PublishAsyncComplete(js_, &popts); s != NATS_OK)
      return abandon(nats::status_error(provider_name, "a batch to " + client_->address()
                                                         + " did not get every PubAck", s));
    std::vector<publish_receipt> out;
    out.reserve(ms.size());
    std::lock_guard guard{acks_->mtx};
    for (auto& m : ms) {
      if (auto f = acks_->failed.find(m.id); f != acks_->failed.end())
        return make_error(errc::transport, std::string{provider_name} + " provider: publish of " + m.id + " to '"
                                             + m.topic + "' failed: " + f->second);
      auto a = acks_->acked.find(m.id);
      if (a == acks_->acked.end())
        return make_error(errc::transport, std::string{provider_name} + " provider: no PubAck for " + m.id);
      out.push_back(a->second);
    }
    return out;
  }

  caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options& opts) override {
    if (client_->closed())
      return client_->closed_error();
    auto subject = client_->subject_of(topic);
    if (!subject)
      return subject.error();
    auto stream = catalog_.stream_for(topic, *subject);
    if (!stream)
      return stream.error();
    auto durable = durable_name(opts.group);
    auto max_ack_pending = catalog_.ensure_consumer(*stream, durable, *subject);
    if (!max_ack_pending)
      return std::move(max_ack_pending.error());
    auto sub = jetstream_subscription::make(client_, *stream, durable, topic, *max_ack_pending);
    if (!sub)
      return std::move(sub.error());
    return std::unique_ptr<subscription_driver>{std::move(*sub)};
  }

  caf::expected<std::chrono::nanoseconds> ping() override { return client_->ping(); }

  void close() override { client_->close(); }

private:
  /// The subject and stream (created if missing) of the last topic asked for: looked up again
  /// only when the topic changes (a batch mostly holds one).
  class route_cache {
  public:
    route_cache(const nats::client& c, catalog& cat) : client_(&c), catalog_(&cat) {}

    caf::error resolve(const std::string& topic) {
      if (known_ && topic == topic_)
        return caf::none;
      known_ = false;
      auto subject = client_->subject_of(topic);
      if (!subject)
        return std::move(subject.error());
      auto stream = catalog_->stream_for(topic, *subject);
      if (!stream)
        return std::move(stream.error());
      topic_ = topic;
      subject_ = std::move(*subject);
      stream_ = std::move(*stream);
      known_ = true;
      return caf::none;
    }
    const std::string& subject() const { return subject_; }
    const std::string& stream() const { return stream_; }

  private:
    const nats::client* client_;
    catalog* catalog_;
    std::string topic_;
    std::string subject_;
    std::string stream_;
    bool known_ = false;
  };

  /// The NATS message to send for `m`, its stream created if missing.
  caf::expected<nats::msg_ptr> prepare(const message& m, route_cache& routes) {
    if (auto err = routes.resolve(m.topic))
      return err;
    return nats::to_nats(provider_name, m, routes.subject());
  }

  /// Drops what is still waiting for a PubAck after a failed batch, so the next one starts clean.
  /// Only after something was sent: nats.c 3.4 crashes in js_PublishAsyncGetPendingList when
  /// the context never had an asynchronous publish pending.
  caf::error abandon(caf::error err) {
    natsMsgList pending{nullptr, 0};
    if (js_PublishAsyncGetPendingList(&pending, js_) == NATS_OK)
      natsMsgList_Destroy(&pending);
    return err;
  }

  std::shared_ptr<nats::client> client_;
  jsCtx* js_;
  catalog catalog_;
  settings settings_;
  std::unique_ptr<batch_acks> acks_;
};

} // namespace

const std::vector<property_spec>& property_specs() {
  using k = property_spec::kind;
  static const std::vector<property_spec> specs = [] {
    auto all = nats::client_property_specs();
    all.insert(all.end(), {
      {"stream-prefix", k::string, "HERALD_", "prepended to the stream name made from the topic"},
      {"storage", k::string, "file", "stream storage: file | memory"},
      {"replicas", k::integer, "1", "stream and consumer replicas (1 on a single server)"},
      {"max-deliver", k::integer, "-1", "deliveries of a message before JetStream gives up (-1: no limit)"},
      {"ack-wait", k::milliseconds, "30000", "an unacked message is redelivered after this"},
      {"max-age", k::milliseconds, "0", "messages older than this are removed (0: kept)"},
      {"duplicate-window", k::milliseconds, "120000",
       "publishes with the same message id within this window are stored once"},
      {"max-ack-pending", k::integer, "20000",
       "MaxAckPending of a consumer herald creates: messages handed out unacked to all members of "
       "a group, at most (-1: no limit); keep it above the members' prefetch together"},
    });
    return all;
  }();
  return specs;
}

caf::expected<std::shared_ptr<driver>> make_driver(std::string_view text) {
  auto u = url::parse(text);
  if (!u)
    return u.error();
  if (u->scheme != "jetstream")
    return make_error(errc::config, "jetstream provider: URL scheme must be 'jetstream', got '" + u->scheme
                                      + "' (jetstream://127.0.0.1:4222?property=value)");
  auto props = properties::resolve(provider_name, *u, property_specs());
  if (!props)
    return props.error();
  auto s = settings::from(*props);
  if (!s)
    return s.error();
  auto c = nats::client::open(provider_name, *u, *props);
  if (!c)
    return c.error();
  auto acks = std::make_unique<batch_acks>();
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = (*c)->timeout().count();
  jo.PublishAsync.AckHandler = on_pub_ack;
  jo.PublishAsync.AckHandlerClosure = acks.get();
  jsCtx* js = nullptr;
  if (auto st = natsConnection_JetStream(&js, (*c)->connection(), &jo); st != NATS_OK)
    return nats::status_error(provider_name, "cannot open a JetStream context on " + (*c)->address(), st);
  // A real request: a server without JetStream (started without -js) fails here, not later.
  jsAccountInfo* info = nullptr;
  jsErrCode jerr{};
  if (auto st = js_GetAccountInfo(&info, js, nullptr, &jerr); st != NATS_OK) {
    jsCtx_Destroy(js);
    return nats::status_error(provider_name, "the server at " + (*c)->address()
                                               + " does not answer JetStream requests; start nats-server with -js "
                                                 "(see scripts/servers)", st);
  }
  jsAccountInfo_Destroy(info);
  return std::shared_ptr<driver>{std::make_shared<jetstream_driver>(std::move(*c), js, std::move(*s), std::move(acks))};
}

caf::expected<connection> connect(caf::actor_system& sys, std::string_view text) {
  auto drv = make_driver(text);
  if (!drv)
    return drv.error();
  return herald::connect(sys, std::move(*drv), url::parse(text)->text);
}

} // namespace armada::herald::jetstream
