#include "armada/herald/subscriber.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "armada/herald/signals.hpp"
#include "armada/runtime/error.hpp"

namespace armada::herald {

namespace {

struct in_flight_entry {
  in_flight_entry(message&& m, subscription_actor s, std::chrono::steady_clock::time_point t)
    : msg(std::move(m)), sub(std::move(s)), started(t) {}
  message msg;
  subscription_actor sub;
  std::chrono::steady_clock::time_point started;
};

/// Handled messages waiting for their ack, per subscription (usually one): sent back in one
/// message, the vector as it is.
struct pending_group {
  subscription_actor sub;
  std::vector<message> done;
};

struct subscriber_actor_state {
  subscriber_actor_state() = default; // not an aggregate: CAF would construct it from `self`
  connection_actor conn;
  subscriber_options opts;
  async_handler handler;
  subscriber_state st;
  // Messages being handled, by delivery number. A completion names its delivery, not the
  // message id: a late or second call can never settle a redelivery of the same message.
  std::unordered_map<std::uint64_t, in_flight_entry> in_flight;
  // The ids of the messages in `in_flight` (views of their `msg.id`: a node never moves).
  std::unordered_set<std::string_view> in_flight_ids;
  std::uint64_t next_delivery = 1;
  // Acks collected while the mailbox has work; sent in one message per subscription (the
  // messages go back to their subscription with the ack).
  std::vector<pending_group> pending_acks;
  std::size_t pending_count = 0;
  bool flush_scheduled = false;
  std::vector<std::pair<std::uint64_t, caf::error>> inline_buffer; // reused by each batch
  static inline const char* name = "herald.subscriber";
};

using subscriber_pointer = subscriber_actor::stateful_pointer<subscriber_actor_state>;

void report(subscriber_actor_state& s, errc code, const std::string& op, const message& m,
            const std::string& text) {
  if (s.opts.events == nullptr)
    return;
  s.opts.events->error(signals::error, signals::code(std::string{to_string(code)}),
                       signals::operation(op), signals::topic(s.st.topic),
                       signals::message_id(m.id), signals::detail(text));
}

/// Counts the handling time of in-flight entry `i` and takes it out.
in_flight_entry finish(subscriber_pointer self,
                       std::unordered_map<std::uint64_t, in_flight_entry>::iterator i) {
  auto& s = self->state;
  s.st.handle_latency.add(std::chrono::duration<double, std::micro>(
                            std::chrono::steady_clock::now() - i->second.started).count());
  s.in_flight_ids.erase(std::string_view{i->second.msg.id});
  auto entry = std::move(i->second);
  s.in_flight.erase(i);
  s.st.in_flight = static_cast<std::int64_t>(s.in_flight.size());
  return entry;
}

std::chrono::milliseconds redelivery_delay(const subscriber_options& o, std::uint32_t attempt) {
  auto d = o.redelivery_base;
  for (std::uint32_t i = 1; i < attempt && d < o.redelivery_max; ++i)
    d *= 2;
  return std::min(d, o.redelivery_max);
}

void dead_letter(subscriber_pointer self, in_flight_entry e, const caf::error& err) {
  auto& s = self->state;
  message dl = e.msg;
  dl.topic = s.opts.dead_letter_topic;
  dl.broker.clear();
  dl.metadata["dead-letter-reason"] = armada::describe(err);
  dl.metadata["dead-letter-code"] = std::string{to_string(code_of(err))};
  dl.metadata["dead-letter-topic"] = s.st.topic;
  dl.metadata["dead-letter-attempts"] = std::to_string(e.msg.attempt);
  auto id = e.msg.id;
  auto sub = e.sub;
  auto attempt = e.msg.attempt;
  auto original = std::make_shared<message>(std::move(e.msg)); // settled by one of the two below
  self->request(s.conn, std::chrono::seconds{30}, publish_atom::value, std::move(dl))
    .then(
      [=](publish_receipt&) {
        auto& s = self->state;
        self->send(sub, reject_atom::value, std::move(*original)); // given up on: a broker-side dead-letter queue gets it too
        ++s.st.dead_lettered;
        if (s.opts.events)
          s.opts.events->warn(signals::dead_lettered, signals::topic(s.st.topic),
                              signals::message_id(id), signals::detail(armada::describe(err)),
                              signals::attempt(attempt));
      },
      [=](caf::error& publish_err) {
        // Not dead-lettered: keep the message (nothing lost), try again later.
        auto& s = self->state;
        self->send(sub, nack_atom::value, std::move(*original), caf::timespan{s.opts.redelivery_max});
        ++s.st.nacked;
        if (s.opts.events)
          s.opts.events->error(signals::error, signals::code("dead_letter"),
                               signals::operation("dead_letter"), signals::topic(s.st.topic),
                               signals::message_id(id), signals::detail(armada::describe(publish_err)));
      });
}

void flush_acks(subscriber_pointer self) {
  auto& s = self->state;
  s.flush_scheduled = false;
  if (s.pending_count == 0)
    return;
  for (auto& g : s.pending_acks)
    if (!g.done.empty()) {
      self->send(g.sub, ack_atom::value, std::move(g.done));
      g.done = {};
      g.done.reserve(256);
    }
  s.pending_count = 0;
  if (s.pending_acks.size() > 1) // a subscription seen once does not stay forever
    std::erase_if(s.pending_acks, [](const pending_group& g) { return g.done.empty(); });
}

void queue_ack(subscriber_pointer self, in_flight_entry&& entry) {
  auto& s = self->state;
  auto g = std::find_if(s.pending_acks.begin(), s.pending_acks.end(),
                        [&](const pending_group& x) { return x.sub == entry.sub; });
  if (g == s.pending_acks.end()) {
    s.pending_acks.push_back(pending_group{std::move(entry.sub), {}});
    g = std::prev(s.pending_acks.end());
    g->done.reserve(256);
  }
  g->done.push_back(std::move(entry.msg));
  ++s.pending_count;
  ++s.st.acked;
  if (s.pending_count >= 256)
    flush_acks(self);
  else if (!s.flush_scheduled) {
    s.flush_scheduled = true;
    self->send(self, flush_atom::value); // after what is already in the mailbox
  }
}

/// Outcomes reported synchronously by a handler while the subscriber actor is inside it:
/// handled right after the handler returns, without a message round trip.
struct inline_outcomes {
  const caf::abstract_actor* owner = nullptr;
  std::vector<std::pair<std::uint64_t, caf::error>> outcomes;
};
thread_local inline_outcomes* current_inline = nullptr;

void complete(subscriber_pointer self, std::uint64_t delivery, caf::error err) {
  auto& s = self->state;
  auto i = s.in_flight.find(delivery);
  if (i == s.in_flight.end())
    return; // reported twice, or after close
  auto entry = finish(self, i);
  if (!err) {
    queue_ack(self, std::move(entry));
    return;
  }
  auto code = code_of(err);
  if (code == errc::decode)
    ++s.st.decode_errors;
  report(s, code, "handle", entry.msg, armada::describe(err));
  if (code == errc::decode || entry.msg.attempt >= s.opts.max_deliveries) {
    dead_letter(self, std::move(entry), err);
    return;
  }
  ++s.st.nacked;
  auto delay = caf::timespan{redelivery_delay(s.opts, entry.msg.attempt)};
  self->send(entry.sub, nack_atom::value, std::move(entry.msg), delay);
}

/// The completion of delivery `delivery`: inline while the subscriber runs the handler, a
/// message to the subscriber otherwise. A second call finds nothing to settle.
completion make_completion(subscriber_pointer self, std::uint64_t delivery) {
  auto me = caf::actor_cast<subscriber_actor>(self);
  return [me, delivery](caf::error err) {
    if (current_inline != nullptr && current_inline->owner == caf::actor_cast<caf::abstract_actor*>(me)) {
      current_inline->outcomes.emplace_back(delivery, std::move(err));
      return;
    }
    caf::anon_send(me, done_atom::value, delivery, std::move(err));
  };
}

void handle_one(subscriber_pointer self, message&& m, const subscription_actor& sub) {
  auto& s = self->state;
  ++s.st.received;
  if (s.in_flight_ids.count(std::string_view{m.id}) != 0) {
    // a duplicate of a message already being handled: that one settles it
    self->send(sub, done_atom::value, std::size_t{1});
    return;
  }
  auto delivery = s.next_delivery++;
  auto it = s.in_flight
              .emplace(std::piecewise_construct, std::forward_as_tuple(delivery),
                       std::forward_as_tuple(std::move(m), sub, std::chrono::steady_clock::now()))
              .first;
  auto& msg = it->second.msg;
  s.in_flight_ids.insert(std::string_view{msg.id});
  s.st.in_flight = static_cast<std::int64_t>(s.in_flight.size());
  if (auto err = invoke_handler([&] { s.handler(msg, make_completion(self, delivery)); }))
    make_completion(self, delivery)(std::move(err)); // an async handler that threw before reporting
}

subscriber_actor::behavior_type subscriber_behavior(subscriber_pointer self, connection_actor conn,
                                                    std::string topic, subscriber_options opts,
                                                    async_handler handler) {
  auto& s = self->state;
  s.conn = std::move(conn);
  s.opts = std::move(opts);
  if (s.opts.dead_letter_topic.empty())
    s.opts.dead_letter_topic = topic + ".dead-letter";
  s.handler = std::move(handler);
  s.st.topic = std::move(topic);
  return {
    [=](deliver_atom, std::vector<message>& batch, subscription_actor& sub) {
      inline_outcomes sync{caf::actor_cast<caf::abstract_actor*>(self),
                           std::move(self->state.inline_buffer)};
      current_inline = &sync;
      for (auto& m : batch)
        handle_one(self, std::move(m), sub);
      current_inline = nullptr;
      for (auto& [delivery, err] : sync.outcomes)
        complete(self, delivery, std::move(err));
      sync.outcomes.clear();
      self->state.inline_buffer = std::move(sync.outcomes);
    },
    [=](flush_atom) { flush_acks(self); },
    [=](fetch_failed_atom, caf::error& err) {
      auto& s = self->state;
      ++s.st.fetch_errors;
      if (s.opts.events)
        s.opts.events->error(signals::error, signals::code(std::string{to_string(code_of(err))}),
                             signals::operation("fetch"), signals::topic(s.st.topic),
                             signals::detail(armada::describe(err)));
    },
    [=](done_atom, std::uint64_t delivery, caf::error& err) { complete(self, delivery, std::move(err)); },
    [=](close_atom) {
      flush_acks(self);
      self->quit();
      return true;
    },
    [=](get_state_atom) { return self->state.st; },
  };
}

} // namespace

void subscription::close() const {
  if (sys_ == nullptr)
    return;
  caf::scoped_actor self{*sys_};
  // The subscriber first: it sends its pending acks before it answers, so they reach the
  // subscription before the close does (nothing handled is redelivered needlessly).
  self->request(actor_, std::chrono::seconds{30}, close_atom::value).receive([](bool) {}, [](caf::error&) {});
  self->request(sub_, std::chrono::seconds{30}, close_atom::value).receive([](bool) {}, [](caf::error&) {});
}

caf::expected<subscriber_state> subscription::state() const {
  caf::scoped_actor self{*sys_};
  caf::expected<subscriber_state> result{caf::error{}};
  self->request(actor_, std::chrono::seconds{10}, get_state_atom::value)
    .receive([&](subscriber_state& x) { result = std::move(x); }, [&](caf::error& e) { result = std::move(e); });
  return result;
}

caf::expected<subscription_state> subscription::subscription_stats() const {
  caf::scoped_actor self{*sys_};
  caf::expected<subscription_state> result{caf::error{}};
  self->request(sub_, std::chrono::seconds{10}, get_state_atom::value)
    .receive([&](subscription_state& x) { result = std::move(x); }, [&](caf::error& e) { result = std::move(e); });
  return result;
}

caf::expected<subscription> subscribe(const connection& conn, std::string topic, async_handler handler,
                                      subscriber_options opts, bool detached) {
  auto& sys = conn.system();
  subscriber_actor actor = detached
                             ? sys.spawn<caf::detached>(subscriber_behavior, conn.actor(), topic, opts, std::move(handler))
                             : sys.spawn(subscriber_behavior, conn.actor(), topic, opts, std::move(handler));
  subscribe_options so{opts.group, opts.prefetch, opts.poll_wait};
  caf::scoped_actor self{sys};
  caf::expected<subscription> result{caf::error{}};
  self->request(conn.actor(), std::chrono::seconds{30}, subscribe_atom::value, topic, so,
                caf::actor_cast<delivery_sink>(actor))
    .receive([&](subscription_actor& sub) { result = subscription{sys, actor, sub}; },
             [&](caf::error& err) { result = std::move(err); });
  if (!result)
    self->send_exit(actor, caf::exit_reason::user_shutdown);
  return result;
}

caf::expected<subscription> subscribe(const connection& conn, std::string topic,
                                      std::function<void(const message&)> handler,
                                      subscriber_options opts) {
  async_handler h = [handler = std::move(handler)](const message& m, completion done) {
    done(invoke_handler([&] { handler(m); }));
  };
  return subscribe_sync(conn, std::move(topic), std::move(h), std::move(opts));
}

caf::expected<subscription> subscribe_sync(const connection& conn, std::string topic,
                                           async_handler handler, subscriber_options opts) {
  if (opts.concurrency <= 1) // the subscriber actor's own thread runs the handler
    return subscribe(conn, std::move(topic), std::move(handler), std::move(opts), true);
  // A pool of handler actors, each on its own thread; a key always maps to the same one.
  auto& sys = conn.system();
  auto workers = std::make_shared<std::vector<caf::actor>>();
  for (std::size_t i = 0; i < opts.concurrency; ++i)
    workers->push_back(sys.spawn<caf::detached>( // the handler as an argument: see bridge.cpp
      [](caf::event_based_actor*, async_handler h) -> caf::behavior {
        return {[h](message& m, completion& done) { h(m, done); }};
      },
      handler));
  auto next = std::make_shared<std::atomic<std::size_t>>(0);
  async_handler route = [workers, next](const message& m, completion done) {
    auto n = workers->size();
    auto i = m.key.empty() ? next->fetch_add(1) % n : std::hash<std::string>{}(m.key) % n;
    caf::anon_send((*workers)[i], m, std::move(done));
  };
  auto stop_workers = [workers] {
    for (auto& w : *workers)
      caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  };
  auto result = subscribe(conn, std::move(topic), std::move(route), std::move(opts), false);
  if (!result) {
    stop_workers();
    return result;
  }
  // The handler threads end with the subscriber actor.
  caf::actor_cast<caf::abstract_actor*>(result->actor())->attach_functor(stop_workers);
  return result;
}

} // namespace armada::herald
