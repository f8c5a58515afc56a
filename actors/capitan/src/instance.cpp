#include "armada/capitan/instance.hpp"

#include <cstdlib>
#include <stdexcept>

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
  if (!st.has_topic.load())
    return;
  if (detail::in_hook())
    throw std::logic_error("capitan: drain() called from inside a hook would wait for itself; "
                           "drain from outside the hooks");
  if (reg.deterministic) {
    dynamic_cast<caf::scheduler::test_coordinator&>(reg.sys.scheduler()).run();
    return;
  }
  caf::scoped_actor self{reg.sys};
  self->request(st.topic, caf::infinite, drain_atom::value)
    .receive([](bool) {}, [](caf::error&) {});
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
  auto timestamp = std::chrono::system_clock::now();
  auto& st = reg_->get_or_create(s);
  st.emitted.fetch_add(1, std::memory_order_relaxed);
  auto drop = [&](drop_reason r) {
    st.count_drop(r);
    return emit_result{false, r};
  };
  if (reg_->shut_down.load(std::memory_order_relaxed))
    return drop(drop_reason::shutdown);
  auto cfg = st.cfg.load(std::memory_order_acquire);
  if (cfg->disabled)
    return drop(drop_reason::disabled);
  if (level < cfg->min_severity)
    return drop(drop_reason::severity);
  if (ctx && ctx->cancel.stop_requested())
    return drop(drop_reason::cancelled);
  if (cfg->rate_limit > 0 && !reg_->take_token(st, *cfg))
    return drop(drop_reason::rate_limit);
  if (st.listener_count.load(std::memory_order_acquire) == 0)
    return drop(drop_reason::no_listener);
  auto ev = event::make(s, level, std::move(fields), std::move(ctx), timestamp);
  if (reg_->opts.sync) {
    std::shared_ptr<const std::vector<listener_ptr>> list;
    {
      std::lock_guard guard{st.mtx};
      list = st.list;
      for (auto& f : ev.fields())
        if (st.schema.find(f.name()) == st.schema.end())
          st.schema.emplace(f.name(), std::string{f.variant()});
    }
    reg_->deliver(st, *list, ev);
    st.delivered.fetch_add(1, std::memory_order_relaxed);
    return emit_result{true, std::nullopt};
  }
  auto topic = reg_->ensure_topic(st);
  // Reserve a slot in the bounded queue.
  if (st.depth.fetch_add(1) >= cfg->buffer_size && !reg_->deterministic && !detail::in_hook()) {
    st.depth.fetch_sub(1);
    if (cfg->policy == drop_policy::drop_newest)
      return drop(drop_reason::queue_full);
    auto& c = ev.get()->ctx;
    std::stop_token token = c ? c->cancel : std::stop_token{};
    auto deadline = c ? c->deadline : std::chrono::steady_clock::time_point::max();
    std::unique_lock lock{st.mtx};
    st.waiters.fetch_add(1);
    std::optional<drop_reason> outcome;
    for (;;) {
      auto now_cfg = st.cfg.load();
      if (reg_->shut_down.load()) {
        outcome = drop_reason::shutdown;
      } else if (token.stop_requested()) {
        outcome = drop_reason::cancelled;
      } else if (st.listener_count.load() == 0) {
        outcome = drop_reason::no_listener;
      } else {
        auto d = st.depth.load();
        if (d < now_cfg->buffer_size && st.depth.compare_exchange_strong(d, d + 1))
          break; // slot reserved
        if (now_cfg->policy == drop_policy::drop_newest || now_cfg->disabled)
          outcome = now_cfg->disabled ? drop_reason::disabled : drop_reason::queue_full;
        else if (std::chrono::steady_clock::now() >= deadline)
          outcome = drop_reason::queue_full;
      }
      if (outcome)
        break;
      auto ready = [&] {
        return reg_->shut_down.load() || st.listener_count.load() == 0
               || st.depth.load() < st.cfg.load()->buffer_size || st.cfg.load() != now_cfg;
      };
      if (deadline == std::chrono::steady_clock::time_point::max())
        st.cv.wait(lock, token, ready);
      else
        st.cv.wait_until(lock, token, deadline, ready);
    }
    st.waiters.fetch_sub(1);
    if (outcome) {
      lock.unlock();
      return drop(*outcome);
    }
  }
  caf::anon_send(topic, std::move(ev));
  return emit_result{true, std::nullopt};
}

std::size_t instance::replay(const event& e) {
  if (!e.valid())
    return 0;
  auto& st = reg_->get_or_create(e.signal());
  std::shared_ptr<const std::vector<listener_ptr>> list;
  {
    std::lock_guard guard{st.mtx};
    list = st.list;
  }
  return reg_->deliver(st, *list, e.as_replay());
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
    std::lock_guard guard{st->mtx};
    st->bucket_started = false; // a new rate starts with a full bucket
    st->cv.notify_all();
  }
  return caf::none;
}

void instance::drain() {
  std::lock_guard guard{reg_->lifecycle_mtx};
  for (auto st : reg_->all())
    drain_topic(*reg_, *st);
}

void instance::shutdown() {
  std::lock_guard guard{reg_->lifecycle_mtx};
  if (reg_->shut_down.exchange(true))
    return;
  for (auto st : reg_->all()) {
    std::lock_guard g{st->mtx};
    st->cv.notify_all();
  }
  for (auto st : reg_->all())
    drain_topic(*reg_, *st);
  for (auto st : reg_->all())
    if (st->has_topic.load())
      caf::anon_send_exit(st->topic, caf::exit_reason::user_shutdown);
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
