#include "registry.hpp"

#include <algorithm>
#include <stdexcept>

#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

namespace armada::capitan::detail {

namespace {
thread_local int hook_depth = 0;

struct hook_scope {
  hook_scope() { ++hook_depth; }
  ~hook_scope() { --hook_depth; }
};
} // namespace

bool in_hook() {
  return hook_depth > 0;
}

void enter_non_blocking() {
  ++hook_depth;
}

void leave_non_blocking() {
  --hook_depth;
}

} // namespace armada::capitan::detail

namespace armada::capitan {

non_blocking_scope::non_blocking_scope() {
  detail::enter_non_blocking();
}

non_blocking_scope::~non_blocking_scope() {
  detail::leave_non_blocking();
}

} // namespace armada::capitan

namespace armada::capitan::detail {

bool observer_impl::wants(const signal& s) const {
  if (!whitelist)
    return true;
  return std::find(whitelist->begin(), whitelist->end(), s) != whitelist->end();
}

void signal_state::record_schema(const event& e) {
  // FNV-1a over the field names: equal to the last recorded set → nothing new to learn.
  std::uint64_t h = 1469598103934665603ULL;
  for (auto& f : e.fields()) {
    for (auto c : f.name())
      h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ 0xFF) * 1099511628211ULL;
  }
  if (h == schema_signature.load(std::memory_order_relaxed))
    return;
  std::lock_guard guard{mtx};
  schema_signature.store(h, std::memory_order_relaxed);
  for (auto& f : e.fields())
    if (schema.find(f.name()) == schema.end())
      schema.emplace(f.name(), std::string{f.variant()});
}

void queue_mutex::lock_contended() {
  // Spin (reading, not writing the line the holder will release) for about a microsecond:
  // longer than the sections this lock guards, shorter than a sleep and a wake-up.
  for (int i = 0; i < 64; ++i) {
    int expected = 0;
    if (state_.load(std::memory_order_relaxed) == 0
        && state_.compare_exchange_weak(expected, 1, std::memory_order_acquire))
      return;
    cpu_pause();
  }
  while (state_.exchange(2, std::memory_order_acquire) != 0)
    state_.wait(2, std::memory_order_relaxed);
}

std::shared_ptr<event::data> reusable_block(event& e) {
  // Only blocks that emit made (mutable) get here. A hook that kept the event holds a
  // reference: then the block is freed when the last holder lets go.
  auto d = std::const_pointer_cast<event::data>(std::move(e).release()); // no count change
  if (d.use_count() != 1)
    return nullptr;
  d->fields.clear(); // the vector keeps its buffer
  d->ctx.reset();
  d->on_delivered = nullptr;
  d->replay = false;
  return d;
}

void signal_state::recycle(event& e) {
  if (auto d = reusable_block(e); d && recycled.size() < max_spares)
    recycled.push_back(std::move(d));
}

void signal_state::give_back_spares() {
  // Under q_mtx, which emitters wait for: only ever a swap of two vectors. When the emitters
  // have not taken the last ones yet, the recycled blocks wait here for the next batch.
  if (spares.empty())
    spares.swap(recycled);
}

signal_stats signal_state::snapshot() {
  signal_stats result;
  result.name = sig.name();
  result.has_topic_actor = has_topic.load();
  {
    std::lock_guard guard{q_mtx};
    result.queue_depth = depth_locked();
  }
  result.buffer_size = cfg.load()->buffer_size;
  result.listeners = listener_count.load();
  result.emitted = emitted.load();
  result.delivered = delivered.load();
  result.hook_errors = hook_errors.load();
  result.waiting_emitters = waiters.load();
  for (std::size_t i = 0; i < drop_reason_count; ++i)
    result.drops[i] = drops[i].load();
  std::lock_guard guard{mtx};
  result.fields.assign(schema.begin(), schema.end());
  return result;
}

namespace {
std::atomic<std::uint64_t> next_registry_id{1};
}

registry::registry(caf::actor_system& sys, instance_options opts)
  : sys(sys), opts(std::move(opts)), id(next_registry_id.fetch_add(1)) {
  deterministic = dynamic_cast<caf::scheduler::test_coordinator*>(&sys.scheduler()) != nullptr;
  clock = this->opts.clock ? this->opts.clock : real_clock::shared();
}

signal_state* registry::find(const signal& s) const {
  std::shared_lock guard{map_mtx};
  auto i = signals.find(s.id());
  return i == signals.end() ? nullptr : i->second.get();
}

std::vector<signal_state*> registry::all() const {
  std::vector<signal_state*> result;
  std::shared_lock guard{map_mtx};
  result.reserve(signals.size());
  for (auto& [id, st] : signals)
    result.push_back(st.get());
  return result;
}

const resolved_config* registry::resolve(const signal& s) {
  // Caller holds cfg_mtx.
  auto r = std::make_unique<resolved_config>();
  r->buffer_size = opts.buffer_size;
  r->policy = opts.policy;
  if (auto m = cfg.match(s.name())) {
    r->buffer_size = m->buffer_size.value_or(r->buffer_size);
    r->disabled = m->disabled.value_or(false);
    r->min_severity = m->min_severity.value_or(severity::debug);
    r->max_listeners = m->max_listeners.value_or(0);
    r->policy = m->policy.value_or(r->policy);
    r->rate_limit = m->rate_limit.value_or(0);
    r->burst = static_cast<double>(m->burst.value_or(
      std::max<std::int64_t>(1, static_cast<std::int64_t>(r->rate_limit))));
  }
  configs.push_back(std::move(r));
  return configs.back().get();
}

signal_state& registry::get_or_create(const signal& s) {
  if (auto st = find(s))
    return *st;
  signal_state* created = nullptr;
  {
    std::unique_lock guard{map_mtx};
    auto& slot = signals[s.id()];
    if (slot)
      return *slot;
    slot = std::make_unique<signal_state>(s, id);
    {
      std::lock_guard list_guard{slot->mtx};
      slot->publish_list({});
    }
    {
      std::lock_guard cfg_guard{cfg_mtx};
      slot->cfg.store(resolve(s));
    }
    created = slot.get();
  }
  std::vector<std::shared_ptr<observer_impl>> obs;
  {
    std::lock_guard guard{obs_mtx};
    obs = observers;
  }
  for (auto& o : obs)
    if (o->wants(s))
      attach_observer(o, *created);
  return *created;
}

void registry::attach(signal_state& st, const listener_ptr& l) {
  std::lock_guard guard{st.mtx};
  auto cfg = st.cfg.load();
  auto& current = st.current_list();
  if (cfg->max_listeners > 0 && current.size() >= static_cast<std::size_t>(cfg->max_listeners))
    throw std::length_error("capitan: signal '" + st.sig.name() + "' already has "
                            + std::to_string(current.size()) + " listeners (max-listeners = "
                            + std::to_string(cfg->max_listeners)
                            + "); raise max-listeners in its config or close unused listeners");
  auto next = current;
  auto pos = std::lower_bound(next.begin(), next.end(), l,
                              [](const listener_ptr& a, const listener_ptr& b) { return a->id < b->id; });
  next.insert(pos, l);
  st.publish_list(std::move(next));
  st.listener_count.fetch_add(1);
  if (st.has_topic.load())
    enqueue_control(st, queue_item{queue_item::kind::attach, {}, l});
}

void registry::drain_signal(signal_state& st) {
  if (!st.has_topic.load())
    return;
  if (in_hook())
    throw std::logic_error("capitan: drain() called from inside a hook would wait for itself; "
                           "drain from outside the hooks");
  if (deterministic) {
    dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler()).run();
    return;
  }
  caf::scoped_actor self{sys};
  self->request(st.topic, caf::infinite, drain_atom::value).receive([](bool) {}, [](caf::error&) {});
}

void registry::enqueue_control(signal_state& st, queue_item item) {
  bool wake;
  {
    std::lock_guard guard{st.q_mtx};
    st.pending.push_back(std::move(item));
    st.pending_items.fetch_add(1, std::memory_order_release);
    wake = !st.scheduled;
    st.scheduled = true;
    st.cv.notify_all(); // blocked emitters re-check (e.g. the signal lost its last listener)
  }
  if (wake)
    caf::anon_send(st.topic, wake_atom::value);
}

bool registry::flush(signal_state& st, std::vector<listener_ptr>& listeners,
                     std::vector<queue_item>& batch, int max_batches) {
  // Called by the topic actor. Takes the whole queue at once: one lock per batch.
  for (int n = 0;; ++n) {
    {
      std::unique_lock guard{st.q_mtx};
      st.give_back_spares();
      // Emitters blocked on a full queue refill it within microseconds of being woken: linger
      // briefly instead of going idle (an idle CAF worker takes tens of µs to wake up again).
      // Bounded by time, not by count: on a loaded machine one yield can last a whole slice.
      if (st.pending.empty() && st.waiters.load() > 0) {
        auto until = std::chrono::steady_clock::now() + std::chrono::microseconds{50};
        guard.unlock();
        // Poll without the lock (the emitter needs it to refill).
        while (st.pending_items.load(std::memory_order_acquire) == 0 && st.waiters.load() > 0
               && std::chrono::steady_clock::now() < until)
          cpu_relax(); // spin, not yield: a yield on a loaded machine gives away a whole slice
        guard.lock();
      }
      if (st.pending.empty()) {
        st.scheduled = false;
        return false;
      }
      if (n == max_batches)
        return true; // stays scheduled; the caller sends itself another wake
      batch.swap(st.pending);
      st.batch_remaining.store(st.pending_events);
      st.pending_events = 0;
      st.pending_items.store(0, std::memory_order_relaxed);
    }
    std::uint64_t delivered = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      // The emitters wrote these blocks on other cores: fetch the next ones while this one is
      // in the hooks (the block a few ahead, then its fields once the block is here).
      if (i + 4 < batch.size())
        if (auto* d = batch[i + 4].ev.get().get())
          __builtin_prefetch(d);
      if (i + 2 < batch.size())
        if (auto* d = batch[i + 2].ev.get().get(); d && !d->fields.empty())
          __builtin_prefetch(d->fields.data());
      auto& item = batch[i];
      switch (item.k) {
        case queue_item::kind::event: {
          // The event leaves the queue: the bound counts waiting events, not the one in the hooks.
          // Only this actor writes it: a plain store, no locked read-modify-write.
          st.batch_remaining.store(st.batch_remaining.load(std::memory_order_relaxed) - 1);
          // Emitters that spin for room read the count above without the lock; only those
          // asleep on the condition variable need the lock and a notify. (The count's store
          // and the load here are sequentially consistent, as are the emitter's increment of
          // `sleepers` and its check of the count: one of the two sides sees the other.)
          if (st.sleepers.load() > 0)
            st.wake_waiters();
          auto& e = item.ev;
          auto& done = e.get()->on_delivered;
          if (e.cancelled()) {
            st.count_drop(drop_reason::cancelled);
            if (done)
              done(delivery{false, drop_reason::cancelled, 0, 0, nullptr});
            break;
          }
          if (!e.fields().empty())
            st.record_schema(e);
          auto report = deliver(st, listeners, e);
          ++delivered;
          if (done)
            done(report);
          st.recycle(e);
          break;
        }
        case queue_item::kind::attach: {
          if (std::find(listeners.begin(), listeners.end(), item.l) != listeners.end())
            break;
          auto pos = std::lower_bound(listeners.begin(), listeners.end(), item.l,
                                      [](const listener_ptr& a, const listener_ptr& b) { return a->id < b->id; });
          listeners.insert(pos, item.l);
          break;
        }
        case queue_item::kind::detach:
          listeners.erase(std::remove(listeners.begin(), listeners.end(), item.l), listeners.end());
          break;
      }
    }
    st.delivered.fetch_add(delivered, std::memory_order_relaxed);
    batch.clear();
  }
}

void registry::detach(const listener_ptr& l) {
  if (l->closed.exchange(true))
    return;
  auto st = find(l->sig);
  if (st == nullptr)
    return;
  std::lock_guard guard{st->mtx};
  auto next = st->current_list();
  auto i = std::find(next.begin(), next.end(), l);
  if (i == next.end())
    return;
  next.erase(i);
  st->publish_list(std::move(next));
  st->listener_count.fetch_sub(1);
  if (st->has_topic.load())
    enqueue_control(*st, queue_item{queue_item::kind::detach, {}, l});
  else
    st->wake_waiters();
}

const topic_actor* registry::ensure_topic(signal_state& st) {
  if (st.has_topic.load(std::memory_order_acquire))
    return &st.topic;
  std::lock_guard guard{st.mtx};
  if (!st.has_topic.load()) {
    // Checked under st.mtx, which shutdown takes to find the topics it stops: a topic spawned
    // after that would outlive the instance, and the actor system would wait for it forever.
    if (shut_down.load())
      return nullptr;
    st.topic = spawn_topic(sys, shared_from_this(), &st, st.current_list());
    st.has_topic.store(true, std::memory_order_release);
  }
  return &st.topic;
}

void registry::attach_observer(const std::shared_ptr<observer_impl>& obs, signal_state& st) {
  listener_ptr l;
  {
    std::lock_guard guard{obs->mtx};
    if (obs->closed.load() || !obs->attached.insert(st.sig.id()).second)
      return;
    l = std::make_shared<listener_impl>(obs->id, st.sig, obs->fn, false, true, weak_from_this());
    obs->listeners.push_back(l);
  }
  attach(st, l);
}

bool registry::take_token(signal_state& st, const resolved_config& cfg) {
  auto now = clock->now();
  std::lock_guard guard{st.mtx};
  if (!st.bucket_started) {
    st.bucket_started = true;
    st.tokens = cfg.burst;
    st.last_refill = now;
  }
  auto elapsed = std::chrono::duration<double>(now - st.last_refill).count();
  if (elapsed > 0) {
    st.tokens = std::min(cfg.burst, st.tokens + elapsed * cfg.rate_limit);
    st.last_refill = now;
  }
  if (st.tokens >= 1.0) {
    st.tokens -= 1.0;
    return true;
  }
  return false;
}

delivery registry::deliver(signal_state& st, const std::vector<listener_ptr>& list,
                           const event& e) {
  hook_scope scope;
  delivery report;
  report.delivered = true;
  std::size_t& called = report.hooks;
  for (auto& l : list) {
    if (l->once && l->fired.exchange(true))
      continue;
    ++called;
    l->calls.fetch_add(1, std::memory_order_relaxed);
    try {
      l->fn(e);
    } catch (...) {
      st.hook_errors.fetch_add(1, std::memory_order_relaxed);
      if (report.failed++ == 0)
        report.first_error = std::current_exception();
      std::shared_ptr<const hook_error_handler> h;
      {
        std::lock_guard guard{handler_mtx};
        h = handler;
      }
      if (h && *h) {
        try {
          (*h)(st.sig, std::current_exception());
        } catch (...) {
          // A throwing error handler must not take the topic actor down either.
        }
      }
    }
    if (l->once)
      detach(l);
  }
  return report;
}

capitan::instance_stats registry::snapshot() const {
  capitan::instance_stats result;
  for (auto st : all()) {
    result.signals.push_back(st->snapshot());
    if (result.signals.back().has_topic_actor)
      ++result.topic_actors;
  }
  std::sort(result.signals.begin(), result.signals.end(),
            [](const signal_stats& a, const signal_stats& b) { return a.name < b.name; });
  {
    std::lock_guard guard{obs_mtx};
    for (auto& o : observers)
      if (!o->closed.load())
        ++result.observers;
  }
  result.shut_down = shut_down.load();
  return result;
}

} // namespace armada::capitan::detail
