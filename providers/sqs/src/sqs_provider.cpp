#include "armada/herald/sqs.hpp"

#include <algorithm>
#include <mutex>

#include "armada/herald/errc.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/herald/sqs_client.hpp"
#include "armada/herald/sqs_message.hpp"

namespace armada::herald::sqs {

namespace {

constexpr std::size_t batch_limit = 10;

class sqs_driver final : public driver {
public:
  explicit sqs_driver(settings s) : s_(std::move(s)), api_(std::make_unique<api>(s_)) {}

  std::string provider() const override { return "sqs"; }

  herald::features features() const override {
    herald::features f;
    f.consumer_groups = false;   // every subscription of a queue competes; groups need SNS fan-out
    f.guaranteed_order = s_.fifo; // FIFO queues: per message group (key)
    f.persistent = true;          // SQS stores messages (moto_server keeps them in memory only)
    f.new_subscriber_receives_old = true;
    f.nack_delay = true; // whole seconds
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
    std::lock_guard lock{mtx_};
    if (!api_)
      return closed_error();
    std::vector<publish_receipt> receipts(ms.size());
    // Runs of consecutive messages to one topic, at most 10 and 256 KiB per SendMessageBatch.
    std::size_t first = 0;
    while (first < ms.size()) {
      std::vector<std::size_t> run;
      std::vector<nlohmann::json> entries;
      std::size_t bytes = 0;
      for (auto i = first; i < ms.size() && run.size() < batch_limit && ms[i].topic == ms[first].topic; ++i) {
        if (ms[i].topic.empty())
          return make_error(errc::config, "sqs provider: a message needs a topic (message " + ms[i].id + ")");
        auto m = ms[i];
        if (m.id.empty())
          m.id = uuid::random().to_string();
        auto e = encode(m, s_.fifo);
        if (!e)
          return e.error();
        auto size = (*e)["MessageBody"].get<std::string>().size() + 1024;
        if (!run.empty() && bytes + size > max_message_bytes)
          break;
        bytes += size;
        receipts[i].id = m.id;
        (*e)["Id"] = std::to_string(i);
        entries.push_back(std::move(*e));
        run.push_back(i);
      }
      if (auto err = send_run(ms[first].topic, entries, receipts))
        return err;
      first += run.size();
    }
    return receipts;
  }

  caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options&) override {
    if (topic.empty())
      return make_error(errc::config, "sqs provider: subscribe needs a topic");
    {
      std::lock_guard lock{mtx_};
      if (!api_)
        return closed_error();
    }
    return subscribe_queue(s_, topic, topic);
  }

  caf::expected<std::chrono::nanoseconds> ping() override {
    std::lock_guard lock{mtx_};
    if (!api_)
      return closed_error();
    auto start = std::chrono::steady_clock::now();
    auto r = api_->call("ListQueues", {{"MaxResults", 1}, {"QueueNamePrefix", "herald-ping"}});
    if (!r)
      return r.error();
    return std::max(std::chrono::nanoseconds{1}, std::chrono::steady_clock::now() - start);
  }

  void close() override {
    std::unique_ptr<api> gone;
    std::lock_guard lock{mtx_};
    gone.swap(api_);
  }

private:
  caf::error closed_error() const {
    return make_error(errc::closed, "sqs provider: the connection to " + s_.shown + " is closed; connect again");
  }

  /// SendMessage (one) or SendMessageBatch (several) to the queue of `topic`; a queue deleted
  /// meanwhile is created again once.
  caf::error send_run(const std::string& topic, std::vector<nlohmann::json>& entries,
                      std::vector<publish_receipt>& receipts) {
    for (int round = 0; round < 2; ++round) {
      auto url = api_->queue_url(topic);
      if (!url)
        return url.error();
      api_failure f;
      caf::expected<nlohmann::json> r{nlohmann::json{}};
      if (entries.size() == 1) {
        auto body = entries.front();
        auto index = std::stoul(body["Id"].get<std::string>());
        body.erase("Id");
        body["QueueUrl"] = *url;
        r = api_->call("SendMessage", body, std::chrono::milliseconds{0}, &f);
        if (r)
          receipts[index].broker = r->value("MessageId", std::string{});
      } else {
        r = api_->call("SendMessageBatch", {{"QueueUrl", *url}, {"Entries", entries}}, std::chrono::milliseconds{0}, &f);
        if (r) {
          if (r->contains("Successful") && (*r)["Successful"].is_array())
            for (auto& ok : (*r)["Successful"])
              receipts[std::stoul(ok.value("Id", std::string{"0"}))].broker = ok.value("MessageId", std::string{});
          if (r->contains("Failed") && (*r)["Failed"].is_array() && !(*r)["Failed"].empty()) {
            auto& bad = (*r)["Failed"][0];
            return make_error(errc::transport, "sqs provider: SendMessageBatch to '" + *url + "' refused "
                                                 + std::to_string((*r)["Failed"].size()) + " message(s): "
                                                 + bad.value("Code", std::string{}) + " "
                                                 + bad.value("Message", std::string{}));
          }
        }
      }
      if (r)
        return caf::none;
      if ((f.type == "QueueDoesNotExist" || f.type == "NonExistentQueue") && round == 0) {
        api_->forget(topic);
        continue;
      }
      return r.error();
    }
    return caf::none;
  }

  settings s_;
  std::mutex mtx_; // publish runs on the connection actor's thread; close may come from any thread
  std::unique_ptr<api> api_;
};

} // namespace

const std::vector<property_spec>& property_specs() {
  using k = property_spec::kind;
  static const std::vector<property_spec> specs{
    {"region", k::string, "", "signing region; empty: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1"},
    {"access-key-id", k::string, "", "access key id; empty: AWS_ACCESS_KEY_ID"},
    {"secret-access-key", k::string, "", "secret access key (never shown); empty: AWS_SECRET_ACCESS_KEY"},
    {"session-token", k::string, "", "session token of temporary credentials (never shown); empty: AWS_SESSION_TOKEN"},
    {"queue-prefix", k::string, "", "prefix of every queue name (queue of topic t: <queue-prefix>t)"},
    {"fifo", k::boolean, "false", "FIFO queues (.fifo): group id = message key, deduplication id = message id"},
    {"visibility-timeout", k::milliseconds, "30000",
     "how long a received message stays invisible to other consumers; extended while its handler runs"},
    {"connect-timeout", k::milliseconds, "5000", "TCP connect timeout"},
    {"request-timeout", k::milliseconds, "10000", "timeout of one request (a long poll adds its wait)"},
    {"max-attempts", k::integer, "4", "tries of one request on transport errors, 5xx and throttling (jittered backoff)"},
  };
  return specs;
}

caf::expected<std::string> queue_name(std::string_view prefix, std::string_view topic, bool fifo) {
  std::string name{prefix};
  name += topic;
  for (auto& c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_')
      c = '-';
  if (fifo)
    name += ".fifo";
  if (name.empty() || name.size() > 80)
    return make_error(errc::config, "sqs provider: the queue name '" + name + "' of topic '" + std::string{topic}
                                      + "' must have 1 to 80 characters; use a shorter topic or queue-prefix");
  return name;
}

caf::expected<std::shared_ptr<driver>> make_driver(std::string_view text) {
  auto s = read_settings(text, "sqs");
  if (!s)
    return s.error();
  auto drv = std::make_shared<sqs_driver>(std::move(*s));
  if (auto p = drv->ping(); !p) // a wrong endpoint fails here, naming it
    return p.error();
  return std::shared_ptr<driver>{std::move(drv)};
}

caf::expected<connection> connect(caf::actor_system& sys, std::string_view text) {
  auto drv = make_driver(text);
  if (!drv)
    return drv.error();
  return herald::connect(sys, std::move(*drv), masked(text));
}

} // namespace armada::herald::sqs
