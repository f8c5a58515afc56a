#include "armada/herald/bridge.hpp"

#include <condition_variable>
#include <mutex>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "armada/herald/signals.hpp"
#include "armada/runtime/error.hpp"
#include "armada/serialization/event_codec.hpp"
#include "armada/serialization/metadata.hpp"
#include "armada/serialization/traceparent.hpp"

namespace armada::herald {

namespace md = serialization::metadata;

struct outbound_bridge::shared_state {
  capitan::instance* inst = nullptr;
  capitan::listener listener;
  std::shared_ptr<raw_publisher> pub;
  bridge_out_actor worker;
  bridge_out_options bopts;
  std::string signal;
  std::string topic;
  std::atomic<std::uint64_t> published{0}, failed{0}, dropped{0};
  std::atomic<std::int64_t> pending{0};
  std::mutex mtx;
  std::condition_variable cv;
};

namespace {

struct bridge_out_actor_state {
  bridge_out_actor_state() = default; // not an aggregate: CAF would construct it from `self`
  std::weak_ptr<outbound_bridge::shared_state> shared;
  latency_stats publish_latency;
  static inline const char* name = "herald.bridge_out";
};

using bridge_out_pointer = bridge_out_actor::stateful_pointer<bridge_out_actor_state>;

// (The state goes in as an argument: CAF 0.17 dereferences a null tuple for argument-less
// function actors, which UBSan reports.)
bridge_out_actor::behavior_type bridge_out_behavior(bridge_out_pointer self,
                                                    std::weak_ptr<outbound_bridge::shared_state> weak) {
  self->state.shared = std::move(weak);
  return {
    [self](message& m) {
      auto s = self->state.shared.lock();
      if (!s)
        return;
      auto start = std::chrono::steady_clock::now();
      auto r = s->pub->publish(std::move(m));
      self->state.publish_latency.add(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
      (r ? s->published : s->failed).fetch_add(1);
      std::lock_guard guard{s->mtx};
      s->pending.fetch_sub(1);
      s->cv.notify_all();
    },
    [self](get_state_atom) {
      bridge_out_state st;
      st.publish_latency = self->state.publish_latency;
      if (auto s = self->state.shared.lock()) {
        st.signal = s->signal;
        st.topic = s->topic;
        st.published = s->published.load();
        st.failed = s->failed.load();
        st.dropped_backpressure = s->dropped.load();
        st.pending = s->pending.load();
      }
      return st;
    },
  };
}

caf::expected<message> to_message(const capitan::event& e, const std::string& key_field) {
  auto m = event_to_message(e);
  if (m && !key_field.empty())
    if (auto f = e.find(key_field))
      if (auto s = std::get_if<std::string>(&f->value()))
        m->key = *s;
  return m;
}

} // namespace

caf::expected<message> event_to_message(const capitan::event& e) {
  auto bytes = serialization::encode_event(e);
  if (!bytes)
    return bytes.error();
  message m;
  m.payload = std::move(*bytes);
  m.metadata[std::string{md::content_type}] = serialization::event_content_type();
  m.metadata[std::string{md::type}] = e.signal().name();
  if (!e.trace_id().empty())
    if (auto tp = serialization::make_traceparent(e.trace_id()))
      m.metadata[std::string{md::traceparent}] = *tp;
  if (!e.correlation_id().empty())
    m.metadata[std::string{md::correlation_id}] = e.correlation_id();
  return m;
}

caf::expected<outbound_bridge> make_outbound_bridge(capitan::instance& inst, const connection& conn,
                                                    const capitan::signal& sig, std::string topic,
                                                    bridge_out_options bopts, publish_options opts) {
  if (!opts.events)
    opts.events = &inst;
  auto s = std::make_shared<outbound_bridge::shared_state>();
  s->inst = &inst;
  s->bopts = bopts;
  s->signal = sig.name();
  s->topic = topic;
  s->pub = std::make_shared<raw_publisher>(conn, topic, opts);
  // The publisher actor: its own thread, so a slow broker never blocks a scheduler thread.
  std::weak_ptr<outbound_bridge::shared_state> weak = s;
  s->worker = conn.system().spawn<caf::detached>(bridge_out_behavior, weak);
  auto key_field = bopts.key_field;
  s->listener = inst.hook(sig, [weak, key_field](const capitan::event& e) {
    auto s = weak.lock();
    if (!s)
      return;
    auto m = to_message(e, key_field);
    if (!m) {
      s->failed.fetch_add(1);
      s->inst->error(signals::error, signals::code("encode"), signals::operation("bridge_out"),
                     signals::topic(s->topic), signals::detail(armada::describe(m.error())));
      return;
    }
    if (s->pending.load() >= static_cast<std::int64_t>(s->bopts.max_pending)) {
      s->dropped.fetch_add(1);
      s->inst->error(signals::error, signals::code("backpressure"), signals::operation("bridge_out"),
                     signals::topic(s->topic),
                     signals::detail(std::to_string(s->bopts.max_pending)
                                     + " events already wait for the broker; raise max_pending or "
                                       "check the broker"));
      return;
    }
    s->pending.fetch_add(1);
    caf::anon_send(s->worker, std::move(*m));
  });
  return outbound_bridge{s};
}

bool outbound_bridge::flush(std::chrono::milliseconds timeout) {
  if (!s_)
    return true;
  std::unique_lock lock{s_->mtx};
  return s_->cv.wait_for(lock, timeout, [this] { return s_->pending.load() == 0; });
}

void outbound_bridge::close() {
  if (!s_)
    return;
  s_->listener.close();
  s_->listener.drain();
  flush();
  caf::anon_send_exit(s_->worker, caf::exit_reason::user_shutdown);
}

bridge_out_actor outbound_bridge::actor() const {
  return s_ ? s_->worker : bridge_out_actor{};
}

bridge_out_stats outbound_bridge::stats() const {
  if (!s_)
    return {};
  return bridge_out_stats{s_->published.load(), s_->failed.load(), s_->dropped.load(), s_->pending.load()};
}

caf::expected<subscription> bridge_in(const connection& conn, std::string topic,
                                      capitan::instance& inst, std::optional<capitan::signal> only,
                                      subscriber_options opts) {
  if (!opts.events)
    opts.events = &inst;
  auto* target = &inst;
  async_handler h = [target, only](const message& m, completion done) {
    auto decoded = serialization::decode_event(m.payload);
    if (!decoded) {
      done(make_error(errc::decode, "message " + m.id + " is not an armada event ("
                                      + armada::describe(decoded.error()) + ")"));
      return;
    }
    if (only && decoded->signal != only->name()) {
      done(make_error(errc::decode, "message " + m.id + " carries signal '" + decoded->signal
                                      + "' but this bridge takes only '" + only->name() + "'"));
      return;
    }
    auto ctx = std::make_shared<capitan::context>();
    ctx->trace_id = decoded->trace_id;
    ctx->correlation_id = decoded->correlation_id;
    capitan::signal sig{decoded->signal};
    auto level = decoded->level;
    auto ts = decoded->timestamp;
    target->emit_tracked(
      std::move(ctx), sig, level, std::move(decoded->fields),
      [done](const capitan::delivery& d) {
        if (d.delivered && d.failed == 0) {
          done(caf::none);
          return;
        }
        std::string why;
        if (!d.delivered)
          why = "the event was not delivered (" + std::string{capitan::to_string(*d.dropped)} + ")";
        else {
          why = std::to_string(d.failed) + " of " + std::to_string(d.hooks) + " hooks failed";
          try {
            std::rethrow_exception(d.first_error);
          } catch (const std::exception& ex) {
            why += std::string{": "} + ex.what();
          } catch (...) {
          }
        }
        done(make_error(errc::nack, why));
      },
      ts);
  };
  // Detached: emit_tracked waits when the signal's `block` queue is full (backpressure to the
  // broker), and that wait must not hold a CAF scheduler thread.
  return subscribe(conn, std::move(topic), std::move(h), std::move(opts), true);
}

} // namespace armada::herald
