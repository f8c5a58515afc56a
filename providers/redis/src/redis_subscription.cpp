#include "redis_subscription.hpp"

#include <algorithm>
#include <map>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "armada/herald/errc.hpp"
#include "armada/runtime/uuid.hpp"
#include "stream_entry.hpp"

namespace armada::herald::redis {

namespace {

using namespace std::chrono_literals;

constexpr std::size_t release_chunk = 1000;

/// host-pid-random: unique per subscription, readable in XINFO CONSUMERS.
std::string new_consumer_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  return std::string{host[0] != '\0' ? host : "herald"} + "-" + std::to_string(::getpid()) + "-"
         + uuid::random().to_string().substr(0, 8);
}

bool is_nogroup(const std::string& err) {
  return err.rfind("NOGROUP", 0) == 0;
}

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count());
}

} // namespace

redis_subscription::redis_subscription(endpoint ep, std::string key, std::string topic, std::string group,
                                       subscription_settings settings)
  : client_(std::move(ep)), key_(std::move(key)), topic_(std::move(topic)), group_(std::move(group)),
    consumer_(new_consumer_name()), settings_(settings) {}

redis_subscription::~redis_subscription() {
  close();
}

caf::error redis_subscription::start() {
  std::lock_guard lock{mtx_};
  if (auto err = client_.connect())
    return err;
  return ensure_group();
}

caf::error redis_subscription::closed_error() const {
  return make_error(errc::closed, "redis provider: the subscription to '" + topic_ + "' (group '" + group_
                                    + "') is closed; subscribe again");
}

caf::error redis_subscription::failed(const std::string& what, const std::string& reply) const {
  return make_error(errc::transport, "redis provider: " + what + " on stream '" + key_ + "' (group '" + group_
                                       + "') at " + client_.where().shown() + " failed: " + reply);
}

caf::error redis_subscription::ensure_group() {
  if (group_ready_)
    return caf::none;
  auto r = client_.command({"XGROUP", "CREATE", key_, group_, settings_.from_oldest ? "0" : "$", "MKSTREAM"});
  if (!r)
    return r.error();
  auto err = error_text(r->get());
  if (!err.empty() && err.rfind("BUSYGROUP", 0) != 0)
    return failed("XGROUP CREATE", err);
  group_ready_ = true;
  return caf::none;
}

caf::expected<std::vector<message>> redis_subscription::claim(std::size_t max) {
  auto now = clock::now();
  auto r = client_.command({"XAUTOCLAIM", key_, group_, consumer_, ms(settings_.claim_idle), claim_cursor_, "COUNT",
                            std::to_string(max)});
  if (!r)
    return r.error();
  auto* reply = r->get();
  if (auto err = error_text(reply); !err.empty()) {
    if (is_nogroup(err)) { // the stream or group went away (deleted, or a server without persistence)
      group_ready_ = false;
      return std::vector<message>{};
    }
    return failed("XAUTOCLAIM", err);
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2)
    return failed("XAUTOCLAIM", "unexpected reply");
  claim_cursor_ = text_of(reply->element[0]);
  if (claim_cursor_.empty())
    claim_cursor_ = "0-0";
  // More to scan: look again on the next fetch; else after the interval.
  next_claim_ = claim_cursor_ != "0-0" ? now : now + settings_.claim_interval;
  auto got = read_entries(reply->element[1], topic_, 1, true);
  if (got.empty())
    return got;
  // The delivery count (the attempt) of each claimed entry, from the pending entries list.
  auto p = client_.command({"XPENDING", key_, group_, got.front().broker, got.back().broker,
                            std::to_string(got.size() + 16), consumer_});
  if (p && error_text(p->get()).empty() && (*p)->type == REDIS_REPLY_ARRAY) {
    std::map<std::string, std::uint32_t> counts;
    for (std::size_t i = 0; i < (*p)->elements; ++i) {
      auto* e = (*p)->element[i];
      if (e->type == REDIS_REPLY_ARRAY && e->elements >= 4 && e->element[3]->type == REDIS_REPLY_INTEGER)
        counts[text_of(e->element[0])] = static_cast<std::uint32_t>(std::max<long long>(1, e->element[3]->integer));
    }
    for (auto& m : got)
      if (auto i = counts.find(m.broker); i != counts.end())
        m.attempt = i->second;
  } else {
    for (auto& m : got)
      m.attempt = 2; // claimed means delivered before; the exact count is unknown
  }
  return got;
}

caf::expected<std::vector<message>> redis_subscription::read_new(std::size_t max, std::chrono::milliseconds wait) {
  command_args args{"XREADGROUP", "GROUP", group_, consumer_, "COUNT", std::to_string(max)};
  if (wait.count() > 0) { // BLOCK 0 would wait forever
    args.emplace_back("BLOCK");
    args.push_back(ms(wait));
  }
  args.emplace_back("STREAMS");
  args.push_back(key_);
  args.emplace_back(">");
  auto r = client_.command(args, wait);
  if (!r)
    return r.error();
  auto* reply = r->get();
  if (auto err = error_text(reply); !err.empty()) {
    if (is_nogroup(err)) {
      group_ready_ = false;
      return std::vector<message>{};
    }
    return failed("XREADGROUP", err);
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
    return std::vector<message>{}; // nil: nothing within the wait
  auto* stream = reply->element[0];
  if (stream->type != REDIS_REPLY_ARRAY || stream->elements < 2)
    return failed("XREADGROUP", "unexpected reply");
  return read_entries(stream->element[1], topic_, 1, true);
}

caf::expected<std::vector<message>> redis_subscription::fetch(std::size_t max, std::chrono::milliseconds wait) {
  std::lock_guard lock{mtx_};
  if (closed_)
    return closed_error();
  if (auto err = ensure_group())
    return err;
  max = std::max<std::size_t>(max, 1);
  auto now = clock::now();
  if (now >= next_claim_) {
    auto got = claim(max);
    if (!got || !got->empty())
      return got;
    if (!group_ready_)
      return std::vector<message>{};
  }
  // Block no longer than the caller allows, nor past the next claim (a nack falling due).
  auto until_claim = std::chrono::duration_cast<std::chrono::milliseconds>(next_claim_ - clock::now());
  auto block = std::clamp(until_claim, 0ms, wait);
  return read_new(max, block);
}

void redis_subscription::decode_batch(std::vector<message>& batch) const {
  for (auto& m : batch)
    decode_entry(m);
}

caf::error redis_subscription::ack(const message& m) {
  return ack_batch(std::vector<message>{m});
}

caf::error redis_subscription::ack_batch(const std::vector<message>& ms) {
  if (ms.empty())
    return caf::none;
  std::lock_guard lock{mtx_};
  std::vector<std::string_view> args{"XACK", key_, group_};
  args.reserve(3 + ms.size());
  for (auto& m : ms) {
    if (m.broker.empty())
      return make_error(errc::ack, "redis provider: message " + m.id + " has no stream id; ack takes the delivered message");
    args.emplace_back(m.broker);
  }
  auto r = client_.command_views(args);
  if (!r)
    return r.error();
  if (auto err = error_text(r->get()); !err.empty())
    return make_error(errc::ack, "redis provider: XACK on stream '" + key_ + "' (group '" + group_ + "') failed: " + err);
  return caf::none;
}

caf::error redis_subscription::nack(const message& m, std::chrono::milliseconds delay) {
  if (m.broker.empty())
    return make_error(errc::nack, "redis provider: message " + m.id + " has no stream id; nack takes the delivered message");
  std::lock_guard lock{mtx_};
  // The entry stays pending (its delivery count is kept). Setting its idle time to
  // claim-idle − delay makes it claimable by XAUTOCLAIM — by any consumer of the group — once
  // `delay` has passed; a delay longer than claim-idle is capped at claim-idle.
  delay = std::clamp(delay, 0ms, settings_.claim_idle);
  auto idle = settings_.claim_idle - delay;
  auto r = client_.command({"XCLAIM", key_, group_, consumer_, "0", m.broker, "IDLE", ms(idle), "JUSTID"});
  if (!r)
    return r.error();
  if (auto err = error_text(r->get()); !err.empty())
    return make_error(errc::nack, "redis provider: XCLAIM (nack) on stream '" + key_ + "' failed: " + err);
  next_claim_ = std::min(next_claim_, clock::now() + delay);
  claim_cursor_ = "0-0"; // scan from the start, so the nacked entry is found when it falls due
  return caf::none;
}

void redis_subscription::release_pending() {
  if (!group_ready_)
    return;
  // Everything this consumer holds becomes claimable at once by the rest of the group (idle =
  // claim-idle); the delivery counts stay. A consumer that holds nothing is removed.
  std::string from = "-";
  bool held_any = false;
  for (int round = 0; round < 100; ++round) {
    auto p = client_.command({"XPENDING", key_, group_, from, "+", std::to_string(release_chunk), consumer_});
    if (!p || !error_text(p->get()).empty() || (*p)->type != REDIS_REPLY_ARRAY)
      return; // left to XAUTOCLAIM after claim-idle
    auto* list = p->get();
    if (list->elements == 0)
      break;
    held_any = true;
    command_args args{"XCLAIM", key_, group_, consumer_, "0"};
    for (std::size_t i = 0; i < list->elements; ++i)
      if (list->element[i]->type == REDIS_REPLY_ARRAY && list->element[i]->elements > 0)
        args.push_back(text_of(list->element[i]->element[0]));
    from = "(" + args.back();
    args.emplace_back("IDLE");
    args.push_back(ms(settings_.claim_idle));
    args.emplace_back("JUSTID");
    if (!client_.command(args))
      return;
    if (list->elements < release_chunk)
      break;
  }
  if (!held_any)
    (void)client_.command({"XGROUP", "DELCONSUMER", key_, group_, consumer_});
}

void redis_subscription::close() {
  if (closed_.exchange(true))
    return;
  std::lock_guard lock{mtx_}; // waits for a fetch in progress (at most its wait)
  if (client_.connected())
    release_pending();
  client_.disconnect();
}

} // namespace armada::herald::redis
