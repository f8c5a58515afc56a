#include "sqs_subscription.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "armada/herald/errc.hpp"
#include "armada/herald/json_call.hpp"
#include "armada/runtime/error.hpp"
#include "armada/herald/sqs_message.hpp"

namespace armada::herald::sqs {

namespace {

using namespace std::chrono_literals;

constexpr std::size_t batch_limit = 10;        // SQS: 10 entries per batch call
constexpr std::int64_t max_visibility_s = 43200; // SQS: 12 hours

std::int64_t seconds_up(std::chrono::milliseconds d) {
  return std::clamp<std::int64_t>((d.count() + 999) / 1000, 0, max_visibility_s);
}

} // namespace

subscription::subscription(const settings& s, std::string queue_topic, std::string topic)
  : api_(s), keeper_api_(s), queue_topic_(std::move(queue_topic)), topic_(std::move(topic)),
    keeper_(s.visibility, [this](const std::vector<std::string>& due) { extend(due); }) {}

subscription::~subscription() {
  close();
}

caf::error subscription::start() {
  std::lock_guard lock{mtx_};
  auto url = api_.queue_url(queue_topic_);
  if (!url)
    return url.error();
  url_ = *url;
  keeper_.start();
  return caf::none;
}

caf::error subscription::closed_error() const {
  return make_error(errc::closed, "sqs provider: the subscription to '" + topic_ + "' is closed; subscribe again");
}

caf::expected<std::vector<message>> subscription::fetch(std::size_t max, std::chrono::milliseconds wait) {
  auto started = clock::now();
  std::lock_guard lock{mtx_};
  if (closed_)
    return closed_error();
  // Long poll in whole seconds (at most SQS's 20); under a second, a short poll and the rest
  // of the wait spent here, so an idle subscription does not spin.
  auto wait_s = std::clamp<std::int64_t>(wait.count() / 1000, 0, 20);
  auto visibility = api_.config().visibility;
  nlohmann::json body{{"QueueUrl", url_},
                      {"MaxNumberOfMessages", std::clamp<std::size_t>(max, 1, batch_limit)},
                      {"WaitTimeSeconds", wait_s},
                      {"VisibilityTimeout", seconds_up(visibility)},
                      {"AttributeNames", {"All"}},
                      {"MessageSystemAttributeNames", {"All"}},
                      {"MessageAttributeNames", {"All"}}};
  auto got = api_.call("ReceiveMessage", body, std::chrono::seconds{wait_s});
  if (!got)
    return got.error();
  std::vector<message> out;
  if (got->contains("Messages") && (*got)["Messages"].is_array())
    for (auto& m : (*got)["Messages"]) {
      out.push_back(decode(m, topic_));
      keeper_.hold(out.back().broker);
    }
  if (out.empty() && wait_s == 0) {
    auto rest = wait - std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
    if (rest.count() > 0) {
      std::unique_lock waiting{wait_mtx_};
      wait_cv_.wait_for(waiting, rest, [&] { return closed_.load(); });
    }
  }
  return out;
}

caf::error subscription::ack(const message& m) {
  return ack_batch(std::vector<message>{m});
}

caf::error subscription::ack_batch(const std::vector<message>& ms) {
  std::lock_guard lock{mtx_};
  for (std::size_t first = 0; first < ms.size(); first += batch_limit) {
    nlohmann::json entries = nlohmann::json::array();
    for (auto i = first; i < std::min(ms.size(), first + batch_limit); ++i) {
      if (ms[i].broker.empty())
        return make_error(errc::ack, "sqs provider: message " + ms[i].id
                                       + " has no receipt handle; ack takes the delivered message");
      entries.push_back({{"Id", std::to_string(i)}, {"ReceiptHandle", ms[i].broker}});
    }
    auto r = api_.call("DeleteMessageBatch", {{"QueueUrl", url_}, {"Entries", entries}});
    for (auto i = first; i < std::min(ms.size(), first + batch_limit); ++i)
      keeper_.release(ms[i].broker);
    if (!r)
      return make_error(errc::ack, describe(r.error()));
    if (r->contains("Failed") && (*r)["Failed"].is_array() && !(*r)["Failed"].empty()) {
      auto& f = (*r)["Failed"][0];
      return make_error(errc::ack, "sqs provider: DeleteMessage (ack) on queue '" + url_ + "' failed for "
                                     + std::to_string((*r)["Failed"].size()) + " message(s): "
                                     + http::string_field(f, "Code") + " " + http::string_field(f, "Message")
                                     + " (the visibility timeout may have run out: the message will come again)");
    }
  }
  return caf::none;
}

caf::error subscription::nack(const message& m, std::chrono::milliseconds delay) {
  if (m.broker.empty())
    return make_error(errc::nack, "sqs provider: message " + m.id + " has no receipt handle; nack takes the delivered message");
  std::lock_guard lock{mtx_};
  keeper_.release(m.broker);
  // Whole seconds, rounded to the nearest: a delay under half a second is visible at once.
  auto secs = std::clamp<std::int64_t>((delay.count() + 500) / 1000, 0, max_visibility_s);
  auto r = api_.call("ChangeMessageVisibility",
                     {{"QueueUrl", url_}, {"ReceiptHandle", m.broker}, {"VisibilityTimeout", secs}});
  if (!r)
    return make_error(errc::nack, describe(r.error()));
  return caf::none;
}

// Extends the visibility of what handlers still hold by another timeout, on the keeper's
// connection (the main one may be in a long poll).
void subscription::extend(const std::vector<std::string>& due) {
  auto secs = seconds_up(keeper_api_.config().visibility);
  for (std::size_t first = 0; first < due.size() && !closed_; first += batch_limit) {
    nlohmann::json entries = nlohmann::json::array();
    for (auto i = first; i < std::min(due.size(), first + batch_limit); ++i)
      entries.push_back({{"Id", std::to_string(i)}, {"ReceiptHandle", due[i]}, {"VisibilityTimeout", secs}});
    (void)keeper_api_.call("ChangeMessageVisibilityBatch", {{"QueueUrl", url_}, {"Entries", entries}});
  }
}

void subscription::close() {
  if (closed_.exchange(true))
    return;
  { std::lock_guard waiting{wait_mtx_}; } // a waiter is now either blocked or sees closed_
  wait_cv_.notify_all();
  auto receipts = keeper_.stop();
  keeper_api_.close();
  std::lock_guard lock{mtx_}; // waits for a fetch in progress (at most its wait)
  // What this subscription holds becomes visible at once for the next subscriber.
  for (std::size_t first = 0; first < receipts.size() && !url_.empty(); first += batch_limit) {
    nlohmann::json entries = nlohmann::json::array();
    for (auto i = first; i < std::min(receipts.size(), first + batch_limit); ++i)
      entries.push_back({{"Id", std::to_string(i)}, {"ReceiptHandle", receipts[i]}, {"VisibilityTimeout", 0}});
    (void)api_.call("ChangeMessageVisibilityBatch", {{"QueueUrl", url_}, {"Entries", entries}});
  }
  api_.close();
}

} // namespace armada::herald::sqs
