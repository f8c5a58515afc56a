#include "kafka_subscription.hpp"

#include <algorithm>

#include "armada/herald/errc.hpp"
#include "kafka_record.hpp"

namespace armada::herald::kafka {

namespace {

void on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque) {
  static_cast<kafka_subscription*>(opaque)->rebalance(err, parts);
}

void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  static_cast<kafka_subscription*>(opaque)->client_error(static_cast<rd_kafka_resp_err_t>(err), reason);
}

} // namespace

void kafka_subscription::client_error(rd_kafka_resp_err_t err, const char* reason) {
  client_error_ = std::string{reason != nullptr ? reason : rd_kafka_err2str(err)};
}

kafka_subscription::kafka_subscription(const settings& s, std::string topic, std::string group)
  : bootstrap_(s.bootstrap), topic_(std::move(topic)), group_(std::move(group)) {}

kafka_subscription::~kafka_subscription() {
  close();
}

caf::error kafka_subscription::closed_error() const {
  return make_error(errc::closed, "kafka provider: the subscription to '" + topic_ + "' (group '" + group_
                                    + "') is closed; subscribe again");
}

caf::error kafka_subscription::start(conf_ptr conf) {
  rd_kafka_conf_set_rebalance_cb(conf.get(), on_rebalance);
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  rd_kafka_conf_set_opaque(conf.get(), this);
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
  if (rk_ == nullptr)
    return make_error(errc::config, std::string{"kafka provider: cannot make a consumer: "} + err);
  (void)conf.release(); // rd_kafka_new took it
  rd_kafka_poll_set_consumer(rk_);
  queue_ = rd_kafka_queue_get_consumer(rk_);
  if (queue_ == nullptr) // only without a group.id, which the provider always sets
    return make_error(errc::config, "kafka provider: the consumer of '" + topic_ + "' has no consumer group queue; "
                                    "subscribe with a group");
  auto* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic_.c_str(), RD_KAFKA_PARTITION_UA);
  auto e = rd_kafka_subscribe(rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
    return transport_error("cannot subscribe to '" + topic_ + "' (group '" + group_ + "') at " + bootstrap_, e);
  return caf::none;
}

void kafka_subscription::rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  bool cooperative = std::string_view{rd_kafka_rebalance_protocol(rk_)} == "COOPERATIVE";
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative)
      rd_kafka_error_destroy(rd_kafka_incremental_assign(rk_, parts));
    else
      rd_kafka_assign(rk_, parts);
    return;
  }
  // Revoked: what this consumer holds of those partitions is redelivered by the next owner
  // from the committed offset. Commit what is done now, synchronously, so the next owner does
  // not start from an older offset (and redeliver what was handled here).
  (void)rd_kafka_commit(rk_, nullptr, 0);
  for (int i = 0; i < parts->cnt; ++i) {
    auto partition = parts->elems[i].partition;
    tracker_.forget(partition);
    for (auto it = redeliveries_.begin(); it != redeliveries_.end();) {
      std::int32_t p = 0;
      std::int64_t o = 0;
      if (parse_position(it->second.broker, p, o) && p == partition)
        it = redeliveries_.erase(it);
      else
        ++it;
    }
  }
  if (cooperative)
    rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk_, parts));
  else
    rd_kafka_assign(rk_, nullptr);
}

caf::expected<std::vector<message>> kafka_subscription::fetch(std::size_t max, std::chrono::milliseconds wait) {
  std::lock_guard guard{mtx_};
  if (closed_)
    return closed_error();
  max = std::max<std::size_t>(max, 1);
  std::vector<message> out;
  // Nacked messages whose delay passed come first.
  auto now = clock::now();
  while (!redeliveries_.empty() && out.size() < max && redeliveries_.begin()->first <= now) {
    auto m = std::move(redeliveries_.begin()->second);
    redeliveries_.erase(redeliveries_.begin());
    ++m.attempt; // the copy kept at the nack has the attempt it failed in
    out.push_back(std::move(m));
  }
  // Wait no longer than the next redelivery falls due.
  auto timeout = wait;
  if (!out.empty())
    timeout = std::chrono::milliseconds{0};
  else if (!redeliveries_.empty())
    timeout = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(redeliveries_.begin()->first - now),
                         std::chrono::milliseconds{0}, wait);
  // In bulk: one queue lock per call rather than per message. The consumer queue serves the
  // rebalance and error callbacks as consumer_poll does, and drops what a rebalance made
  // outdated. Waits for the first message only, then takes what is there.
  if (out.size() < max) {
    records_.resize(max - out.size());
    auto take = [&](std::chrono::milliseconds t, std::size_t offset, std::size_t n) -> std::size_t {
      auto got = rd_kafka_consume_batch_queue(queue_, static_cast<int>(t.count()), records_.data() + offset, n);
      return got > 0 ? static_cast<std::size_t>(got) : 0;
    };
    auto n = take(std::chrono::milliseconds{0}, 0, records_.size());
    if (n == 0 && timeout.count() > 0) {
      n = take(timeout, 0, 1);
      if (n == 1 && records_.size() > 1)
        n += take(std::chrono::milliseconds{0}, 1, records_.size() - 1);
    }
    rd_kafka_resp_err_t failed = RD_KAFKA_RESP_ERR_NO_ERROR;
    std::string why;
    out.reserve(out.size() + n);
    for (std::size_t i = 0; i < n; ++i) {
      auto* rec = records_[i];
      if (rec->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (failed == RD_KAFKA_RESP_ERR_NO_ERROR) {
          failed = rec->err;
          why = rd_kafka_message_errstr(rec);
        }
        rd_kafka_message_destroy(rec);
        continue; // the records after it are delivered all the same: they are taken off the queue
      }
      auto m = from_record(rec, topic_);
      tracker_.delivered(rec->partition, rec->offset);
      rd_kafka_message_destroy(rec);
      m.attempt = 1; // from the broker: a redelivery after a rebalance or restart counts from 1 again
      out.push_back(std::move(m));
    }
    // With messages to deliver, an error is reported by the next fetch, if it persists.
    if (failed != RD_KAFKA_RESP_ERR_NO_ERROR && out.empty()) {
      std::string fix = failed == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || failed == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC
                          ? "create the topic, or set create-topics=true where the broker allows it"
                          : "is the Kafka cluster running? see scripts/servers (kafka); the consumer keeps retrying";
      return make_error(errc::transport, "kafka provider: fetching '" + topic_ + "' (group '" + group_ + "') from "
                                           + bootstrap_ + " failed: " + why + "; " + fix);
    }
  }
  if (out.empty() && !client_error_.empty()) {
    auto why = std::move(client_error_);
    client_error_.clear();
    return make_error(errc::transport, "kafka provider: the consumer of '" + topic_ + "' (group '" + group_ + "') at "
                                         + bootstrap_ + " reports: " + why
                                         + "; is the Kafka cluster running? see scripts/servers (kafka); it keeps "
                                           "reconnecting");
  }
  if (!out.empty())
    client_error_.clear();
  return out;
}

caf::error kafka_subscription::check_settle(const message& m, errc code, const char* verb) const {
  if (closed_)
    return closed_error();
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  if (!parse_position(m.broker, partition, offset))
    return make_error(code, "kafka provider: message " + m.id + " has no partition:offset position; " + verb
                              + " takes the delivered message");
  return caf::none;
}

std::optional<kafka_subscription::stored_offset> kafka_subscription::settle(const message& m) {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  if (!parse_position(m.broker, partition, offset))
    return std::nullopt;
  auto commit = tracker_.done(partition, offset);
  if (!commit)
    return std::nullopt;
  return stored_offset{partition, *commit};
}

void kafka_subscription::store(const std::vector<stored_offset>& offsets) {
  if (offsets.empty())
    return;
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (auto& [partition, offset] : offsets)
    rd_kafka_topic_partition_list_add(list, topic_.c_str(), partition)->offset = offset;
  // Committed by librdkafka every commit-interval, on rebalance and on close. A partition
  // revoked meanwhile is refused (its next owner redelivers): nothing to do.
  (void)rd_kafka_offsets_store(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
}

caf::error kafka_subscription::ack(const message& m) {
  std::lock_guard guard{mtx_};
  if (auto err = check_settle(m, errc::ack, "ack"))
    return err;
  if (auto commit = settle(m))
    store({*commit});
  return caf::none;
}

caf::error kafka_subscription::ack_batch(const std::vector<message>& ms) {
  // One lock and one offsets_store for the batch: per message, they cost more than the
  // consuming itself. Commit offsets only move forward, so the last one of a partition is
  // the one to store.
  std::lock_guard guard{mtx_};
  caf::error first;
  std::vector<stored_offset> offsets;
  for (auto& m : ms) {
    if (auto err = check_settle(m, errc::ack, "ack")) {
      if (!first)
        first = std::move(err);
      continue;
    }
    auto commit = settle(m);
    if (!commit)
      continue;
    auto same = std::find_if(offsets.begin(), offsets.end(),
                             [&](const stored_offset& x) { return x.partition == commit->partition; });
    if (same != offsets.end())
      same->offset = commit->offset;
    else
      offsets.push_back(*commit);
  }
  if (!closed_)
    store(offsets);
  return first;
}

caf::error kafka_subscription::nack(const message& m, std::chrono::milliseconds delay) {
  std::lock_guard guard{mtx_};
  if (auto err = check_settle(m, errc::nack, "nack"))
    return err;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  parse_position(m.broker, partition, offset);
  // Its offset stays outstanding (never committed past), and it comes back after the delay. A
  // partition revoked meanwhile is the next owner's to redeliver.
  if (tracker_.outstanding(partition, offset))
    redeliveries_.emplace(clock::now() + std::max(delay, std::chrono::milliseconds{0}), m);
  return caf::none;
}

void kafka_subscription::close() {
  if (closed_.exchange(true))
    return;
  std::lock_guard guard{mtx_}; // waits for a fetch in progress (at most its wait)
  if (rk_ == nullptr)
    return;
  if (queue_ != nullptr)
    rd_kafka_queue_destroy(queue_); // before the consumer goes: the handle refers to it
  queue_ = nullptr;
  // Leaves the group: the rebalance callback runs, librdkafka commits the stored offsets, and
  // everything not done is redelivered to the group from there.
  rd_kafka_consumer_close(rk_);
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
  redeliveries_.clear();
  tracker_.clear();
}

} // namespace armada::herald::kafka
