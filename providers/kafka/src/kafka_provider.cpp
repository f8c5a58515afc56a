#include "armada/herald/kafka.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>

#include "armada/herald/errc.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "kafka_record.hpp"
#include "kafka_settings.hpp"
#include "kafka_subscription.hpp"

namespace armada::herald::kafka {

namespace {

using namespace std::chrono_literals;

/// The delivery report of one produced message, filled by the delivery report callback (on the
/// thread that polls the producer: the publishing one).
struct delivery {
  bool done = false;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* rec, void*) {
  auto* d = static_cast<delivery*>(rec->_private);
  if (d == nullptr)
    return;
  d->err = rec->err;
  d->partition = rec->partition;
  d->offset = rec->offset;
  d->done = true;
}

/// The latest client-level error of the producer (called inside rd_kafka_poll / metadata calls).
void on_producer_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* last = static_cast<std::string*>(opaque);
  *last = reason != nullptr ? reason : rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err));
}

const char* dead_broker_fix = "is the Kafka cluster running and the bootstrap list right? see scripts/servers (kafka)";

class kafka_driver final : public driver {
public:
  explicit kafka_driver(settings s) : s_(std::move(s)) {}

  ~kafka_driver() override { close(); }

  /// Makes the producer and checks that a broker answers (a real metadata round trip).
  caf::error start() {
    if (auto err = make_producer())
      return err;
    const rd_kafka_metadata_t* md = nullptr;
    auto e = rd_kafka_metadata(producer_.get(), 0, nullptr, &md, static_cast<int>(s_.timeout.count()));
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
      return transport_error("no broker of " + s_.bootstrap + " answered within " + std::to_string(s_.timeout.count())
                               + " ms", e, dead_broker_fix);
    rd_kafka_metadata_destroy(md);
    return caf::none;
  }

  std::string provider() const override { return provider_name; }

  herald::features features() const override {
    herald::features f;
    f.consumer_groups = true;
    f.guaranteed_order = s_.ordered(); // per partition: a key keeps one, unkeyed messages too
    f.persistent = true;               // the broker's log (the mock cluster keeps it in memory)
    f.exactly_once = false;            // at least once: a rebalance redelivers what was not committed
    f.new_subscriber_receives_old = s_.from_earliest;
    f.restartable_server = true;
    f.nack_delay = true;               // redelivered by the subscription after the delay
    f.retains_messages = true;
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
    if (closing_ || !producer_)
      return closed_error();
    if (auto err = revive())
      return err;
    std::vector<publish_receipt> receipts(ms.size());
    std::vector<delivery> reports(ms.size());
    std::size_t produced = 0;
    caf::error failure;
    for (std::size_t i = 0; i < ms.size() && !failure; ++i) {
      auto& m = ms[i];
      if (m.topic.empty()) {
        failure = make_error(errc::config, "kafka provider: a message needs a topic (message " + m.id + ")");
        break;
      }
      if (auto err = check_topic(m.topic)) {
        failure = std::move(err);
        break;
      }
      receipts[i].id = m.id.empty() ? uuid::random().to_string() : m.id;
      message copy;
      const message* src = &m;
      if (m.id.empty()) {
        copy = m;
        copy.id = receipts[i].id;
        src = &copy;
      }
      auto* headers = make_headers(*src);
      for (;;) {
        auto e = rd_kafka_producev(producer_.get(), RD_KAFKA_V_TOPIC(m.topic.c_str()),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                   RD_KAFKA_V_KEY(m.key.empty() ? nullptr : m.key.data(), m.key.size()),
                                   RD_KAFKA_V_VALUE(const_cast<char*>(m.payload.data()), m.payload.size()),
                                   RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(&reports[i]), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
          ++produced;
          break;
        }
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL && !closing_) {
          rd_kafka_poll(producer_.get(), 10); // room is made as reports come in
          continue;
        }
        rd_kafka_headers_destroy(headers); // still ours when producev failed
        failure = transport_error("cannot publish to '" + m.topic + "' at " + s_.bootstrap, e);
        break;
      }
    }
    // Every produced message gets its report within message-timeout: wait for all of them
    // (the reports point into `reports`).
    auto pending = [&] {
      return std::any_of(reports.begin(), reports.begin() + static_cast<std::ptrdiff_t>(produced),
                         [](const delivery& d) { return !d.done; });
    };
    bool purged = false;
    while (pending()) {
      if (closing_ && !purged) { // closing: fail what is left now (reported as purged)
        rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        purged = true;
      }
      rd_kafka_poll(producer_.get(), 5);
    }
    if (purged)
      return closed_error();
    if (failure)
      return failure;
    for (std::size_t i = 0; i < ms.size(); ++i) {
      auto& d = reports[i];
      if (d.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (d.err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
          return transport_error("publish of " + receipts[i].id + " to '" + ms[i].topic + "' was not acknowledged by "
                                   + s_.bootstrap + " within message-timeout ("
                                   + std::to_string(s_.message_timeout.count()) + " ms"
                                   + (last_error_->empty() ? "" : "; last broker error: " + *last_error_) + ")",
                                 d.err, dead_broker_fix);
        return transport_error("publish of " + receipts[i].id + " to '" + ms[i].topic + "' at " + s_.bootstrap
                                 + " failed",
                               d.err);
      }
      receipts[i].broker = position(d.partition, d.offset);
    }
    return receipts;
  }

  caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options& opts) override {
    if (topic.empty())
      return make_error(errc::config, "kafka provider: subscribe needs a topic");
    if (opts.group.empty())
      return make_error(errc::config, "kafka provider: subscribe needs a consumer group (subscribe_options::group)");
    {
      std::lock_guard guard{mtx_};
      if (closing_ || !producer_)
        return closed_error();
      if (auto err = check_topic(topic))
        return err;
    }
    auto conf = s_.consumer_conf(s_.group_id(opts.group, topic));
    if (!conf)
      return conf.error();
    auto sub = std::make_unique<kafka_subscription>(s_, topic, opts.group);
    if (auto err = sub->start(std::move(*conf)))
      return err;
    return std::unique_ptr<subscription_driver>{std::move(sub)};
  }

  caf::expected<std::chrono::nanoseconds> ping() override {
    std::lock_guard guard{mtx_};
    if (closing_ || !producer_)
      return closed_error();
    auto start = std::chrono::steady_clock::now();
    const rd_kafka_metadata_t* md = nullptr;
    auto e = rd_kafka_metadata(producer_.get(), 0, nullptr, &md, static_cast<int>(s_.timeout.count()));
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
      return transport_error("ping (a metadata request) to " + s_.bootstrap + " failed", e, dead_broker_fix);
    rd_kafka_metadata_destroy(md);
    return std::max(std::chrono::nanoseconds{1}, std::chrono::steady_clock::now() - start);
  }

  void close() override {
    closing_ = true; // a publish waiting for reports gives up
    std::lock_guard guard{mtx_};
    if (!producer_)
      return;
    rd_kafka_flush(producer_.get(), 1000);
    producer_.reset();
  }

private:
  caf::error closed_error() const {
    return make_error(errc::closed, "kafka provider: the connection to " + s_.bootstrap + " is closed; connect again");
  }

  caf::error make_producer() {
    auto conf = s_.producer_conf();
    if (!conf)
      return conf.error();
    rd_kafka_conf_set_dr_msg_cb(conf->get(), on_delivery);
    rd_kafka_conf_set_error_cb(conf->get(), on_producer_error);
    rd_kafka_conf_set_opaque(conf->get(), last_error_.get());
    char err[512];
    auto* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), err, sizeof err);
    if (rk == nullptr)
      return make_error(errc::config, std::string{"kafka provider: cannot make a producer: "} + err);
    (void)conf->release(); // rd_kafka_new took it
    producer_.reset(rk);
    return caf::none;
  }

  /// An idempotent producer that hit a fatal error cannot go on: make a new one.
  caf::error revive() {
    char why[512];
    if (rd_kafka_fatal_error(producer_.get(), why, sizeof why) == RD_KAFKA_RESP_ERR_NO_ERROR)
      return caf::none;
    producer_.reset();
    known_topics_.clear();
    if (auto err = make_producer())
      return make_error(errc::transport, std::string{"kafka provider: the producer failed ("} + why
                                           + ") and cannot be replaced: " + describe(err));
    return caf::none;
  }

  /// The first use of a topic asks the brokers for it (creating it where allowed), so a missing
  /// topic is an error now instead of a publish that times out.
  caf::error check_topic(const std::string& topic) {
    if (known_topics_.count(topic) > 0)
      return caf::none;
    auto* rkt = rd_kafka_topic_new(producer_.get(), topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    auto deadline = std::chrono::steady_clock::now() + s_.timeout;
    rd_kafka_resp_err_t e{};
    for (;;) {
      e = rd_kafka_metadata(producer_.get(), 0, rkt, &md, static_cast<int>(s_.timeout.count()));
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
        break;
      e = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
      bool ready = e == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[0].partition_cnt > 0;
      rd_kafka_metadata_destroy(md);
      // A topic being created answers LEADER_NOT_AVAILABLE for a moment.
      if (ready || (e != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE && e != RD_KAFKA_RESP_ERR_NO_ERROR)
          || std::chrono::steady_clock::now() >= deadline || closing_)
        break;
      rd_kafka_poll(producer_.get(), 20);
    }
    rd_kafka_topic_destroy(rkt);
    if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
      return make_error(errc::config, "kafka provider: topic '" + topic + "' does not exist on " + s_.bootstrap
                                        + (s_.create_topics ? " and the brokers do not create topics on use; create it "
                                                              "(kafka-topics.sh --create)"
                                                            : "; create it, or set create-topics=true"));
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
      return transport_error("cannot look up topic '" + topic + "' on " + s_.bootstrap, e, dead_broker_fix);
    known_topics_.insert(topic);
    return caf::none;
  }

  settings s_;
  std::mutex mtx_; // publish / subscribe / ping run on the connection actor; close on any thread
  std::atomic<bool> closing_{false};
  handle_ptr producer_;
  std::set<std::string> known_topics_;
  std::unique_ptr<std::string> last_error_ = std::make_unique<std::string>(); // the producer's error callback writes it
};

} // namespace

caf::expected<std::shared_ptr<driver>> make_driver(std::string_view text) {
  auto s = settings::parse(text);
  if (!s)
    return s.error();
  auto drv = std::make_shared<kafka_driver>(std::move(*s));
  if (auto err = drv->start())
    return err;
  return std::shared_ptr<driver>{std::move(drv)};
}

caf::expected<connection> connect(caf::actor_system& sys, std::string_view text) {
  auto s = settings::parse(text);
  if (!s)
    return s.error();
  auto drv = make_driver(text);
  if (!drv)
    return drv.error();
  return herald::connect(sys, std::move(*drv), s->shown_url);
}

} // namespace armada::herald::kafka
