#include "armada/capitan/instance.hpp"

#include <array>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "armada/runtime.hpp"
#include "registry.hpp"

namespace armada::capitan {

using detail::signal_state;

// -- listener and observer handles ---------------------------------------------

void listener::close() {
  if (!impl_)
    return;
  if (auto reg = impl_->reg.lock())
    reg->detach(impl_);
  else
    impl_->closed.store(true);
}

bool listener::closed() const {
  return !impl_ || impl_->closed.load();
}

namespace {

void drain_topic(detail::registry& reg, signal_state& st) {
  reg.drain_signal(st);
}

} // namespace

void listener::drain() {
  if (!impl_)
    return;
  if (auto reg = impl_->reg.lock())
    if (auto st = reg->find(impl_->sig))
      drain_topic(*reg, *st);
}

void observer::close() {
  if (!impl_ || impl_->closed.exchange(true))
    return;
  std::vector<listener_ptr> ls;
  {
    std::lock_guard guard{impl_->mtx};
    ls = impl_->listeners;
  }
  for (auto& l : ls)
    listener{l}.close();
}

void observer::drain() {
  if (!impl_)
    return;
  std::vector<listener_ptr> ls;
  {
    std::lock_guard guard{impl_->mtx};
    ls = impl_->listeners;
  }
  for (auto& l : ls)
    listener{l}.drain();
}

bool observer::closed() const {
  return !impl_ || impl_->closed.load();
}

// -- instance ------------------------------------------------------------------------

instance::instance(caf::actor_system& sys, instance_options opts)
  : sys_(sys), reg_(std::make_shared<detail::registry>(sys, std::move(opts))) {
  broker_ = detail::spawn_broker(sys, reg_);
}

instance::~instance() {
  shutdown();
}

bool instance::sync() const {
  return reg_->opts.sync;
}

emit_result instance::emit_with(std::shared_ptr<const context> ctx, const signal& s,
                                severity level, std::vector<field> fields) {
  return emit_tracked(std::move(ctx), s, level, std::move(fields), nullptr);
}

namespace {

// A per-thread cache of the last signals a thread emitted on, keyed by registry id and signal,
// so the common emit does not touch the registry's map lock.
struct cache_entry {
  std::uint64_t registry = 0;
  const detail::signal_info* sig = nullptr;
  signal_state* st = nullptr;
};
constexpr std::size_t cache_size = 16;
thread_local std::array<cache_entry, cache_size> emit_cache{};

// This thread's cleared event blocks (from its sync emits, or handed back by topic actors).
constexpr std::size_t max_local_spares = 16;
thread_local std::vector<std::shared_ptr<event::data>> spare_events;

std::shared_ptr<event::data> event_block(const signal& s) {
  if (spare_events.empty())
    return std::make_shared<event::data>(event::data{s, {}, severity::info, {}, nullptr});
  auto d = std::move(spare_events.back());
  spare_events.pop_back();
  return d;
}

/// After a sync delivery: keeps the block of `ev` for this thread when nobody else holds it.
void reuse_here(event& ev) {
  if (auto d = detail::reusable_block(ev); d && spare_events.size() < max_local_spares)
    spare_events.push_back(std::move(d));
}

/// When this thread has no spare blocks left, takes all the ones the topic actor of `st` gave
/// back: one swap of two vectors, so the queue lock is held no longer for it (caller holds
/// st.q_mtx).
void take_spares(signal_state& st) {
  if (spare_events.empty())
    spare_events.swap(st.spares);
}

signal_state& lookup(detail::registry& reg, const signal& s) {
  auto& slot = emit_cache[(reinterpret_cast<std::uintptr_t>(s.id()) >> 4) % cache_size];
  if (slot.registry == reg.id && slot.sig == s.id())
    return *slot.st;
  auto& st = reg.get_or_create(s);
  slot = cache_entry{reg.id, s.id(), &st};
  return st;
}

} // namespace

bool instance::has_listeners(const signal& s) const {
  return lookup(*reg_, s).listener_count.load(std::memory_order_acquire) > 0;
}

emit_result instance::emit_tracked(std::shared_ptr<const context> ctx, const signal& s,
                                   severity level, std::vector<field> fields,
                                   delivery_callback done, std::optional<time_point> ts) {
  return emit_impl(std::move(ctx), s, level, &fields, {}, std::move(done), ts);
}

emit_result instance::emit_impl(std::shared_ptr<const context> ctx, const signal& s,
                                severity level, std::vector<field>* owned, std::span<field> moved,
                                delivery_callback done, std::optional<time_point> ts) {
  auto timestamp = ts ? *ts : armada::fast_wall_now();
  auto& st = lookup(*reg_, s);
  st.emitted.fetch_add(1, std::memory_order_relaxed);
  auto drop = [&st](drop_reason r, const delivery_callback& cb) {
    st.count_drop(r);
    if (cb)
      cb(delivery{false, r, 0, 0, nullptr});
    return emit_result{false, r};
  };
  if (reg_->shut_down.load(std::memory_order_relaxed))
    return drop(drop_reason::shutdown, done);
  auto cfg = st.cfg.load(std::memory_order_acquire);
  if (cfg->disabled)
    return drop(drop_reason::disabled, done);
  if (level < cfg->min_severity)
    return drop(drop_reason::severity, done);
  if (ctx && ctx->cancel.stop_requested())
    return drop(drop_reason::cancelled, done);
  if (cfg->rate_limit > 0 && !reg_->take_token(st, *cfg))
    return drop(drop_reason::rate_limit, done);
  if (st.listener_count.load(std::memory_order_acquire) == 0)
    return drop(drop_reason::no_listener, done);
  auto block = event_block(s);
  block->sig = s;
  block->timestamp = timestamp;
  block->level = level;
  if (owned) {
    block->fields.swap(*owned); // the block's old buffer is freed with *owned, on this thread
  } else {
    block->fields.clear();
    block->fields.reserve(moved.size()); // a reused block keeps its buffer
    for (auto& f : moved)
      block->fields.push_back(std::move(f));
  }
  block->ctx = std::move(ctx);
  block->on_delivered = std::move(done);
  auto ev = event{std::move(block)};
  auto& cb = ev.get()->on_delivered;
  if (reg_->opts.sync) {
    if (!ev.fields().empty())
      st.record_schema(ev);
    auto report = reg_->deliver(st, st.current_list(), ev);
    st.delivered.fetch_add(1, std::memory_order_relaxed);
    if (cb)
      cb(report);
    reuse_here(ev);
    return emit_result{true, std::nullopt};
  }
  auto topic = reg_->ensure_topic(st);
  if (!topic)
    return drop(drop_reason::shutdown, cb); // shut down since the check above
  std::unique_lock lock{st.q_mtx};
  if (st.depth_locked() >= cfg->buffer_size && !reg_->deterministic && !detail::in_hook()) {
    // Full. An emitter inside a hook or under the deterministic scheduler never waits (it
    // would wait for itself); everyone else follows the policy.
    if (cfg->policy == drop_policy::drop_newest) {
      lock.unlock();
      return drop(drop_reason::queue_full, cb);
    }
    auto& c = ev.get()->ctx;
    std::stop_token token = c ? c->cancel : std::stop_token{};
    auto deadline = c ? c->deadline : std::chrono::steady_clock::time_point::max();
    st.waiters.fetch_add(1);
    std::optional<drop_reason> outcome;
    constexpr int max_spins = 256;
    int spins = 0;
    auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds{50};
    for (;;) {
      auto now_cfg = st.cfg.load();
      if (reg_->shut_down.load())
        outcome = drop_reason::shutdown;
      else if (token.stop_requested())
        outcome = drop_reason::cancelled;
      else if (st.listener_count.load() == 0)
        outcome = drop_reason::no_listener;
      else if (now_cfg->disabled)
        outcome = drop_reason::disabled;
      else if (st.depth_locked() < now_cfg->buffer_size)
        break; // room
      else if (now_cfg->policy == drop_policy::drop_newest
               || std::chrono::steady_clock::now() >= deadline)
        outcome = drop_reason::queue_full;
      if (outcome)
        break;
      auto ready = [&] {
        return reg_->shut_down.load() || st.listener_count.load() == 0
               || st.depth_locked() < st.cfg.load()->buffer_size || st.cfg.load() != now_cfg;
      };
      if (spins < max_spins && std::chrono::steady_clock::now() < spin_until) {
        // The consumer usually frees a whole batch within microseconds: yield a little (bounded
        // by time: on a loaded machine one yield can last a whole slice) before paying for a
        // sleep and a wake-up.
        ++spins;
        lock.unlock();
        // Poll without the lock (the topic actor needs it to take the batch).
        while (st.depth_estimate() >= now_cfg->buffer_size && std::chrono::steady_clock::now() < spin_until)
          detail::cpu_relax(); // spin, not yield: a yield on a loaded machine gives away a slice
        lock.lock();
        continue;
      }
      // Counted while asleep (after the spin): the topic actor notifies per event only then.
      st.sleepers.fetch_add(1);
      if (deadline == std::chrono::steady_clock::time_point::max())
        st.cv.wait(lock, token, ready);
      else
        st.cv.wait_until(lock, token, deadline, ready);
      st.sleepers.fetch_sub(1);
    }
    st.waiters.fetch_sub(1);
    if (outcome) {
      lock.unlock();
      return drop(*outcome, cb);
    }
  }
  st.pending.push_back(detail::queue_item{detail::queue_item::kind::event, std::move(ev), nullptr});
  take_spares(st);
  ++st.pending_events;
  st.pending_items.fetch_add(1, std::memory_order_release);
  bool wake = !st.scheduled;
  st.scheduled = true;
  lock.unlock();
  if (wake)
    caf::anon_send(*topic, wake_atom::value);
  return emit_result{true, std::nullopt};
}

std::size_t instance::replay(const event& e) {
  if (!e.valid())
    return 0;
  auto& st = reg_->get_or_create(e.signal());
  auto& list = st.current_list();
  auto copy = std::make_shared<event::data>(*e.get());
  copy->replay = true;
  copy->on_delivered = nullptr; // a replay reports to nobody
  return reg_->deliver(st, list, event{std::move(copy)}).hooks;
}

listener instance::hook(const signal& s, callback fn) {
  auto& st = reg_->get_or_create(s);
  auto l = std::make_shared<detail::listener_impl>(reg_->next_id.fetch_add(1), s, std::move(fn),
                                                   false, false, reg_);
  reg_->attach(st, l);
  return listener{l};
}

listener instance::hook_once(const signal& s, callback fn) {
  auto& st = reg_->get_or_create(s);
  auto l = std::make_shared<detail::listener_impl>(reg_->next_id.fetch_add(1), s, std::move(fn),
                                                   true, false, reg_);
  reg_->attach(st, l);
  return listener{l};
}

observer instance::observe(callback fn) {
  auto obs = std::make_shared<detail::observer_impl>();
  obs->id = reg_->next_id.fetch_add(1);
  obs->fn = std::move(fn);
  obs->reg = reg_;
  {
    std::lock_guard guard{reg_->obs_mtx};
    reg_->observers.push_back(obs);
  }
  for (auto st : reg_->all())
    reg_->attach_observer(obs, *st);
  return observer{obs};
}

observer instance::observe(callback fn, std::vector<signal> whitelist) {
  auto obs = std::make_shared<detail::observer_impl>();
  obs->id = reg_->next_id.fetch_add(1);
  obs->fn = std::move(fn);
  obs->whitelist = std::move(whitelist);
  obs->reg = reg_;
  {
    std::lock_guard guard{reg_->obs_mtx};
    reg_->observers.push_back(obs);
  }
  for (auto& s : *obs->whitelist)
    reg_->attach_observer(obs, reg_->get_or_create(s));
  return observer{obs};
}

void instance::on_hook_error(hook_error_handler handler) {
  auto h = std::make_shared<const hook_error_handler>(std::move(handler));
  std::lock_guard guard{reg_->handler_mtx};
  reg_->handler = std::move(h);
}

caf::error instance::apply(const config& cfg) {
  if (auto err = cfg.validate())
    return err;
  {
    std::lock_guard guard{reg_->cfg_mtx};
    reg_->cfg = cfg;
    for (auto st : reg_->all())
      st->cfg.store(reg_->resolve(st->sig), std::memory_order_release);
  }
  for (auto st : reg_->all()) {
    {
      std::lock_guard guard{st->mtx};
      st->bucket_started = false; // a new rate starts with a full bucket
    }
    st->wake_waiters();
  }
  return caf::none;
}

namespace {

// Drains every signal at once: all requests out, then all replies in.
void drain_all(detail::registry& reg) {
  std::vector<topic_actor> topics;
  for (auto st : reg.all())
    if (st->has_topic.load())
      topics.push_back(st->topic);
  if (topics.empty())
    return;
  if (detail::in_hook())
    throw std::logic_error("capitan: drain() called from inside a hook would wait for itself; "
                           "drain from outside the hooks");
  if (reg.deterministic) {
    dynamic_cast<caf::scheduler::test_coordinator&>(reg.sys.scheduler()).run();
    return;
  }
  caf::scoped_actor self{reg.sys};
  for (auto& t : topics)
    self->send(t, drain_atom::value);
  std::size_t replies = 0;
  self->receive_for(replies, topics.size())([](bool) {}, [](caf::error&) {});
}

} // namespace

void instance::drain() {
  std::lock_guard guard{reg_->lifecycle_mtx};
  drain_all(*reg_);
}

void instance::shutdown() {
  std::lock_guard guard{reg_->lifecycle_mtx};
  if (reg_->shut_down.exchange(true))
    return;
  for (auto st : reg_->all())
    st->wake_waiters();
  drain_all(*reg_);
  for (auto st : reg_->all()) {
    // Under st->mtx: an emit racing with shutdown either spawned its topic before (and it is
    // stopped here) or sees shut_down in ensure_topic and spawns none.
    std::lock_guard guard{st->mtx};
    if (st->has_topic.load())
      caf::anon_send_exit(st->topic, caf::exit_reason::user_shutdown);
  }
  caf::anon_send_exit(broker_, caf::exit_reason::user_shutdown);
  if (reg_->deterministic)
    dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler()).run();
}

bool instance::is_shut_down() const {
  return reg_->shut_down.load();
}

capitan::instance_stats instance::stats() const {
  return reg_->snapshot();
}

topic_actor instance::topic(const signal& s) const {
  if (auto st = reg_->find(s); st && st->has_topic.load(std::memory_order_acquire))
    return st->topic;
  return {};
}

// -- the default instance ------------------------------------------------------------

namespace {

std::atomic<instance*> default_override{nullptr};

struct default_holder {
  std::unique_ptr<armada::config> cfg = std::make_unique<armada::config>();
  caf::actor_system sys{*cfg};
  instance inst{sys};
};

default_holder* the_default_holder = nullptr;

void shut_down_default_instance() {
  the_default_holder->inst.shutdown();
}

} // namespace

instance& default_instance() {
  if (auto p = default_override.load())
    return *p;
  // Created on first use and never destroyed: CAF 0.17's actor_system cannot be destroyed after
  // main returned. An atexit handler shuts the instance down (delivering what is queued), so
  // nothing emitted before exit is lost; the actor system's threads end with the process.
  static default_holder* holder = [] {
    the_default_holder = new default_holder;
    std::atexit(shut_down_default_instance);
    return the_default_holder;
  }();
  return holder->inst;
}

void set_default_instance(instance* inst) {
  default_override.store(inst);
}

} // namespace armada::capitan
