#include "armada/herald/sns.hpp"

#include <algorithm>
#include <mutex>
#include <set>

#include "armada/herald/errc.hpp"
#include "armada/herald/sqs_message.hpp"
#include "armada/runtime/uuid.hpp"
#include "sns_api.hpp"

namespace armada::herald::sns {

namespace {

constexpr std::size_t batch_limit = 10;

/// The Publish parameters of one encoded message (`prefix` addresses a batch entry).
void add_message(params& p, const std::string& prefix, const nlohmann::json& entry) {
  p.emplace_back(prefix + "Message", entry["MessageBody"].get<std::string>());
  int n = 1;
  for (auto& [name, value] : entry["MessageAttributes"].items()) {
    auto base = prefix + "MessageAttributes.entry." + std::to_string(n++) + ".";
    p.emplace_back(base + "Name", name);
    p.emplace_back(base + "Value.DataType", "String");
    p.emplace_back(base + "Value.StringValue", value["StringValue"].get<std::string>());
  }
  for (const char* fifo_field : {"MessageGroupId", "MessageDeduplicationId"})
    if (entry.contains(fifo_field))
      p.emplace_back(prefix + fifo_field, entry[fifo_field].get<std::string>());
}

class sns_driver final : public driver {
public:
  explicit sns_driver(sqs::settings s) : s_(std::move(s)), api_(std::make_unique<api>(s_)) {}

  std::string provider() const override { return "sns"; }

  herald::features features() const override {
    herald::features f;
    f.consumer_groups = true; // one SQS queue per topic and group
    f.guaranteed_order = s_.fifo;
    f.persistent = true;
    f.nack_delay = true;
    f.retains_messages = true; // once the group's queue exists
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
    std::size_t first = 0;
    while (first < ms.size()) {
      auto& topic = ms[first].topic;
      if (topic.empty())
        return make_error(errc::config, "sns provider: a message needs a topic (message " + ms[first].id + ")");
      params p;
      std::vector<std::size_t> run;
      for (auto i = first; i < ms.size() && run.size() < batch_limit && ms[i].topic == topic; ++i) {
        auto m = ms[i];
        if (m.id.empty())
          m.id = uuid::random().to_string();
        auto e = sqs::encode(m, s_.fifo);
        if (!e)
          return e.error();
        receipts[i].id = m.id;
        run.push_back(i);
        if (ms.size() == 1)
          add_message(p, "", *e);
        else {
          auto prefix = "PublishBatchRequestEntries.member." + std::to_string(run.size()) + ".";
          p.emplace_back(prefix + "Id", std::to_string(i));
          add_message(p, prefix, *e);
        }
      }
      if (auto err = send(topic, ms.size() == 1, p, receipts))
        return err;
      first += run.size();
    }
    return receipts;
  }

  caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options& opts) override {
    if (topic.empty())
      return make_error(errc::config, "sns provider: subscribe needs a topic");
    auto queue_topic = topic + "-" + (opts.group.empty() ? std::string{"default"} : opts.group);
    {
      std::lock_guard lock{mtx_};
      if (!api_)
        return closed_error();
      if (wired_.count(queue_topic) == 0) {
        auto sub = api_->wire(topic, queue_topic);
        if (!sub)
          return sub.error();
        wired_.insert(queue_topic);
      }
    }
    return sqs::subscribe_queue(s_, queue_topic, topic);
  }

  caf::expected<std::chrono::nanoseconds> ping() override {
    std::lock_guard lock{mtx_};
    if (!api_)
      return closed_error();
    auto start = std::chrono::steady_clock::now();
    if (auto r = api_->call("ListTopics", {}); !r)
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
    return make_error(errc::closed, "sns provider: the connection to " + s_.shown + " is closed; connect again");
  }

  caf::error send(const std::string& topic, bool single, params p, std::vector<publish_receipt>& receipts) {
    auto arn = api_->topic_arn(topic);
    if (!arn)
      return arn.error();
    p.emplace_back("TopicArn", *arn);
    auto r = api_->call(single ? "Publish" : "PublishBatch", p);
    if (!r)
      return r.error();
    if (single) {
      receipts.front().broker = xml_text(*r, "MessageId");
      return caf::none;
    }
    return read_batch_answer(*r, *arn, receipts);
  }

  sqs::settings s_;
  std::mutex mtx_;
  std::unique_ptr<api> api_;
  std::set<std::string> wired_;
};

} // namespace

caf::expected<std::shared_ptr<driver>> make_driver(std::string_view text) {
  auto s = sqs::read_settings(text, "sns");
  if (!s)
    return s.error();
  auto drv = std::make_shared<sns_driver>(std::move(*s));
  if (auto p = drv->ping(); !p)
    return p.error();
  return std::shared_ptr<driver>{std::move(drv)};
}

caf::expected<connection> connect(caf::actor_system& sys, std::string_view text) {
  auto drv = make_driver(text);
  if (!drv)
    return drv.error();
  return herald::connect(sys, std::move(*drv), sqs::masked(text));
}

caf::expected<std::string> fan_out(std::string_view url, const std::string& topic, const std::string& queue_topic) {
  auto s = sqs::read_settings(url, "sns");
  if (!s)
    return s.error();
  api a{*s};
  return a.wire(topic, queue_topic);
}

} // namespace armada::herald::sns
