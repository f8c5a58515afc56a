#include "armada/ago/engine.hpp"

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "armada/ago/signals.hpp"
#include "armada/capitan.hpp"
#include "armada/runtime/uuid.hpp"
#include "sharded.hpp"

namespace armada::ago {

namespace detail {

std::string failure_text(const pipz::status& st) {
  return failure_text(st.fault().cause);
}

std::string failure_text(std::exception_ptr ex) {
  if (!ex)
    return "failed";
  try {
    std::rethrow_exception(ex);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "a non-standard exception";
  }
}

using tick_atom = caf::atom_constant<caf::atom("tick")>;

struct engine_core::registry {
  std::mutex mtx; // definitions, timers, housekeeper
  caf::actor_system* sys = nullptr;
  std::map<std::string, std::shared_ptr<definition_base>> definitions;
  struct running {
    caf::actor actor; // invalid: being spawned
    std::vector<std::function<void(const saga_outcome&)>> waiters; // engine::on_finished
  };
  /// The live sagas, sharded by id: starts and finishes on every worker do not queue on one lock.
  sharded<std::unordered_map<std::string, running>> active;
  /// Set once (under mtx); `launch` reads it under its shard's lock, and `close` locks every
  /// shard after setting it, so no saga slips in unseen.
  std::atomic<bool> closed{false};
  caf::actor housekeeper;
  armada::clock::timer_id renew_timer = 0;
  armada::clock::timer_id recover_timer = 0;
  std::chrono::milliseconds recover_interval{0};
};

engine_core::engine_core(std::shared_ptr<saga_store> store, capitan::instance& events,
                         std::shared_ptr<armada::clock> clock, std::string owner, std::chrono::milliseconds lease)
  : store_(std::move(store))
  , events_(events)
  , clock_(std::move(clock))
  , requests_(events, clock_)
  , owner_(std::move(owner))
  , lease_(lease)
  , reg(std::make_shared<registry>()) {}

std::int64_t engine_core::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_->wall_now().time_since_epoch()).count();
}

void engine_core::emit(const capitan::signal& s, const saga_record& rec, std::string_view step, std::int64_t attempt,
                       std::string_view error) {
  if (!events_.has_listeners(s))
    return; // nobody listens: skip building the fields
  std::vector<capitan::field> fields;
  fields.reserve(5);
  fields.push_back(signals::saga(rec.id));
  fields.push_back(signals::type(rec.type));
  if (!step.empty())
    fields.push_back(signals::step(std::string{step}));
  if (attempt != 0)
    fields.push_back(signals::attempt(attempt));
  if (!error.empty())
    fields.push_back(signals::reason(std::string{error}));
  auto level = (s == signals::stuck || s == signals::error) ? capitan::severity::error
               : (s == signals::failed || s == signals::compensating || s == signals::step_failed) ? capitan::severity::warn
                                                                                                     : capitan::severity::info;
  events_.emit_with(nullptr, s, level, std::move(fields));
}

namespace {
saga_outcome outcome_of(const saga_record& rec) {
  return saga_outcome{rec.id, rec.state, rec.error, rec.lazy_data ? std::string{} : rec.data, rec.lazy_data};
}
} // namespace

void engine_core::finished(const saga_record& rec) {
  std::vector<std::function<void(const saga_outcome&)>> waiting;
  {
    auto& sh = reg->active.of(rec.id);
    std::lock_guard guard{sh.mtx};
    if (auto i = sh.map.find(rec.id); i != sh.map.end()) {
      waiting = std::move(i->second.waiters);
      sh.map.erase(i);
    }
  }
  if (waiting.empty())
    return;
  auto out = outcome_of(rec);
  for (auto& fn : waiting)
    fn(out);
}

void engine_core::abandoned(const saga_record& rec, const caf::error& why) {
  {
    auto& sh = reg->active.of(rec.id);
    std::lock_guard guard{sh.mtx};
    sh.map.erase(rec.id);
  }
  emit(signals::error, rec, {}, 0,
       "saga left to recovery: " + describe(why));
}

armada::clock::timer_id engine_core::at(std::int64_t wake_ms, std::function<void()> fn) {
  auto delay = std::chrono::milliseconds{std::max<std::int64_t>(0, wake_ms - now_ms())};
  return clock_->schedule(clock_->now() + delay, std::move(fn));
}

namespace {

std::shared_ptr<definition_base> find_def(engine_core& core, const std::string& type) {
  std::lock_guard guard{core.reg->mtx};
  auto i = core.reg->definitions.find(type);
  return i == core.reg->definitions.end() ? nullptr : i->second;
}

/// Registers `id` as active, spawns its actor, then records the handle (unless it already
/// finished). errc::closed / a duplicate are refused.
caf::error launch(engine_core& core, const std::string& id, const std::function<caf::expected<caf::actor>()>& spawn) {
  // Spawned under the lock, so the entry is still there to take the handle: an actor that
  // finishes at once waits in `finished` for the lock, and spawning never waits for an actor.
  auto& sh = core.reg->active.of(id);
  std::lock_guard guard{sh.mtx};
  if (core.reg->closed.load())
    return make_error(errc::closed, "the saga engine is closed; start sagas on an open engine");
  auto [entry, fresh] = sh.map.try_emplace(id);
  if (!fresh)
    return {}; // already running here
  auto actor = spawn();
  if (!actor) {
    sh.map.erase(entry);
    return std::move(actor.error());
  }
  entry->second.actor = std::move(*actor);
  return {};
}

caf::expected<std::size_t> recover_all(const std::shared_ptr<engine_core>& core) {
  auto now = core->now_ms();
  auto candidates = core->store().recoverable(core->owner(), now);
  if (!candidates)
    return std::move(candidates.error());
  std::size_t resumed = 0;
  for (auto& cand : *candidates) {
    if (core->reg->closed.load())
      break;
    {
      auto& sh = core->reg->active.of(cand.id);
      std::lock_guard guard{sh.mtx};
      if (sh.map.contains(cand.id))
        continue; // running here
    }
    auto def = find_def(*core, cand.type);
    if (!def) {
      core->emit(signals::error, cand, {}, 0,
                 "no saga definition named '" + cand.type + "' in this engine; add it with engine::add to resume this saga");
      continue;
    }
    auto taken = core->store().acquire(cand.id, core->owner(), now, now + core->lease().count());
    if (!taken)
      return std::move(taken.error());
    if (!*taken)
      continue; // someone else took it meanwhile
    auto err = launch(*core, (*taken)->id, [&]() { return def->resume(*core->reg->sys, core, **taken); });
    if (err)
      core->emit(signals::error, **taken, {}, 0, describe(err));
    else
      ++resumed;
  }
  return resumed;
}

void renew_all(engine_core& core) {
  std::vector<std::string> ids;
  core.reg->active.each([&](const auto& active) {
    for (const auto& [id, a] : active)
      ids.push_back(id);
  });
  if (auto err = core.store().renew(core.owner(), ids, core.now_ms() + core.lease().count())) {
    saga_record none;
    none.id = "*";
    core.emit(signals::error, none, {}, 0, "renewing leases failed: " + describe(err));
  }
}

/// Schedules the next tick of `what` (renew or recover) on the engine's clock.
void schedule_tick(const std::shared_ptr<engine_core>& core, bool recover) {
  std::lock_guard guard{core->reg->mtx};
  if (core->reg->closed)
    return;
  auto every = recover ? core->reg->recover_interval : core->lease() / 3;
  if (every.count() <= 0)
    return;
  auto hk = core->reg->housekeeper;
  auto id = core->clock().schedule(core->clock().now() + every,
                                   [hk, recover] { caf::anon_send(hk, tick_atom::value, recover); });
  (recover ? core->reg->recover_timer : core->reg->renew_timer) = id;
}

} // namespace

} // namespace detail

engine::engine(caf::actor_system& sys, std::shared_ptr<saga_store> store, engine_options opts)
  : sys_(sys), opts_(std::move(opts)) {
  if (opts_.owner.empty())
    opts_.owner = armada::uuid::random().to_string();
  if (!opts_.clock)
    opts_.clock = armada::real_clock::shared();
  auto& events = opts_.events != nullptr ? *opts_.events : capitan::default_instance();
  core_ = std::make_shared<detail::engine_core>(std::move(store), events, opts_.clock, opts_.owner, opts_.lease);
  core_->reg->sys = &sys;
  core_->reg->recover_interval = opts_.recover_interval;
  // Lease renewal and recovery scans do store I/O: a detached actor runs them, never the
  // clock's timer thread.
  std::weak_ptr<detail::engine_core> weak = core_;
  core_->reg->housekeeper = sys.spawn<caf::detached>(
    [](caf::event_based_actor*, std::weak_ptr<detail::engine_core> weak) -> caf::behavior {
      return {[weak](detail::tick_atom, bool recover) {
        auto core = weak.lock();
        if (!core)
          return;
        if (recover)
          detail::recover_all(core);
        else
          detail::renew_all(*core);
        detail::schedule_tick(core, recover);
      }};
    },
    weak);
  detail::schedule_tick(core_, false);
  detail::schedule_tick(core_, true);
}

engine::~engine() {
  close();
}

void engine::close() {
  std::vector<caf::actor> actors;
  caf::actor hk;
  {
    std::lock_guard guard{core_->reg->mtx};
    if (core_->reg->closed.exchange(true))
      return;
    core_->clock().cancel(core_->reg->renew_timer);
    core_->clock().cancel(core_->reg->recover_timer);
    hk = core_->reg->housekeeper;
  }
  core_->reg->active.each([&](auto& active) {
    for (auto& [id, r] : active)
      if (r.actor)
        actors.push_back(r.actor);
    active.clear();
  });
  if (hk)
    actors.push_back(hk);
  // Waits until they are gone: a saga actor in the middle of a handler still uses the capitan
  // instance, the store and the clock this engine was given, which the caller may destroy as
  // soon as close returns (an emit into a destroyed instance, ASan in CI). Bounded: a handler
  // stuck in a store call must not hang the caller forever.
  caf::scoped_actor self{sys_};
  for (auto& a : actors) {
    self->monitor(a);
    self->send_exit(a, caf::exit_reason::user_shutdown);
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  for (std::size_t gone = 0; gone < actors.size();) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      break;
    self->receive([&](caf::down_msg&) { ++gone; }, caf::after(left) >> [] {});
  }
}

caf::error engine::add_definition(std::shared_ptr<detail::definition_base> def) {
  std::lock_guard guard{core_->reg->mtx};
  if (!core_->reg->definitions.emplace(def->name(), def).second)
    return make_error(errc::bad_definition, "a saga definition named '" + def->name() + "' is already registered");
  return {};
}

std::shared_ptr<detail::definition_base> engine::find(const std::string& type) const {
  return detail::find_def(*core_, type);
}

caf::expected<std::optional<std::string>> engine::prepare_start(const std::string& type, std::type_index t,
                                                                start_options& opts, saga_record& rec) {
  auto def = find(type);
  if (!def)
    return make_error(errc::unknown_definition, "no saga definition named '" + type + "'; add it with engine::add first");
  if (def->type() != t)
    return make_error(errc::bad_definition, "saga '" + type + "' takes another data type than the one passed to start");
  if (!opts.id.empty()) {
    if (opts.id.find(':') != std::string::npos)
      return make_error(errc::bad_definition, "saga id '" + opts.id + "' must not contain ':' (it prefixes idempotency keys)");
    auto existing = core_->store().load(opts.id);
    if (!existing)
      return std::move(existing.error());
    if (*existing)
      return std::optional<std::string>{opts.id}; // started before: never twice
  }
  rec.id = opts.id.empty() ? armada::uuid::random().to_string() : opts.id;
  rec.type = type;
  rec.state = saga_state::pending;
  rec.steps = def->initial_steps();
  rec.created_ms = core_->now_ms();
  if (auto t = def->timeout(); t.count() > 0)
    rec.deadline_ms = rec.created_ms + t.count();
  return std::optional<std::string>{};
}

caf::error engine::write_first(saga_record& rec) {
  rec.updated_ms = core_->now_ms();
  rec.owner = core_->owner();
  rec.lease_ms = rec.updated_ms + core_->lease().count();
  ++rec.version;
  if (auto now = core_->store().write_now(rec)) { // an in-process store: no completion to wait for
    if (*now)
      return std::move(*now);
    rec.lazy_data.reset();
    return {};
  }
  auto written = std::make_shared<std::promise<caf::error>>();
  auto outcome = written->get_future();
  core_->store().write(rec, [written](caf::error err) { written->set_value(std::move(err)); });
  if (outcome.wait_for(std::chrono::seconds{30}) != std::future_status::ready)
    return make_error(errc::timeout, "saga '" + rec.id + "': the " + core_->store().describe()
                                       + " store did not confirm the first write within 30 s; the saga did not start");
  if (auto err = outcome.get())
    return err;
  rec.lazy_data.reset(); // the actor captures the data itself
  return {};
}

caf::error engine::launch(const std::string& id, const std::function<caf::actor()>& spawn) {
  return detail::launch(*core_, id, [&]() -> caf::expected<caf::actor> { return spawn(); });
}

caf::expected<saga_outcome> engine::wait(const std::string& id, std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<saga_outcome>>();
  auto future = promise->get_future();
  if (on_finished(id, [promise](const saga_outcome& o) { promise->set_value(o); })) {
    if (future.wait_for(timeout) == std::future_status::ready)
      return future.get();
    return make_error(errc::timeout, "saga '" + id + "' did not finish within " + std::to_string(timeout.count()) + " ms");
  }
  // Not running here: the log tells (another engine may be running it).
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto rec = core_->store().load(id);
    if (!rec)
      return std::move(rec.error());
    if (!*rec)
      return make_error(errc::unknown_saga, "no saga '" + id + "' in the store (" + core_->store().describe() + ")");
    if (is_terminal((*rec)->state))
      return saga_outcome{(*rec)->id, (*rec)->state, (*rec)->error, (*rec)->data};
    if (std::chrono::steady_clock::now() >= until)
      return make_error(errc::timeout, "saga '" + id + "' did not finish within " + std::to_string(timeout.count())
                                           + " ms (it is " + std::string{to_string((*rec)->state)} + ", owned by '"
                                           + (*rec)->owner + "')");
    std::this_thread::sleep_for(std::chrono::milliseconds{5}); // polling another engine's log
  }
}

bool engine::on_finished(const std::string& id, std::function<void(const saga_outcome&)> fn) {
  auto& sh = core_->reg->active.of(id);
  std::lock_guard guard{sh.mtx};
  auto i = sh.map.find(id);
  if (i == sh.map.end())
    return false;
  i->second.waiters.push_back(std::move(fn));
  return true;
}

caf::actor engine::actor_of(const std::string& id) const {
  auto& sh = core_->reg->active.of(id);
  std::lock_guard guard{sh.mtx};
  auto i = sh.map.find(id);
  return i == sh.map.end() ? caf::actor{} : i->second.actor;
}

caf::error engine::cancel(const std::string& id) {
  auto a = actor_of(id);
  if (!a)
    return make_error(errc::unknown_saga, "saga '" + id + "' is not running on this engine (owner '" + owner() + "')");
  caf::scoped_actor self{sys_};
  caf::error result;
  self->request(a, std::chrono::seconds{10}, detail::cancel_atom::value)
    .receive(
      [&](bool accepted) {
        if (!accepted)
          result = make_error(errc::cancelled, "saga '" + id + "' is already compensating or finished; a compensation is never cancelled");
      },
      [&](caf::error& err) { result = std::move(err); });
  return result;
}

caf::expected<std::size_t> engine::recover() {
  return detail::recover_all(core_);
}

caf::error engine::resume(const std::string& id) {
  auto loaded = core_->store().load(id);
  if (!loaded)
    return std::move(loaded.error());
  if (!*loaded)
    return make_error(errc::unknown_saga, "no saga '" + id + "' in the store");
  auto rec = std::move(**loaded);
  if (rec.state != saga_state::stuck)
    return make_error(errc::bad_definition, "saga '" + id + "' is " + std::string{to_string(rec.state)} + ", not stuck; only stuck sagas resume");
  auto def = find(rec.type);
  if (!def)
    return make_error(errc::unknown_definition, "no saga definition named '" + rec.type + "'; add it with engine::add first");
  rec.state = saga_state::compensating;
  for (auto& st : rec.steps)
    if (st.status == step_status::compensating) {
      st.compensation_attempts = 0;
      st.wake_ms = 0;
      st.status = step_status::done; // owed again, with a fresh budget
    }
  rec.owner = owner();
  rec.updated_ms = core_->now_ms();
  rec.lease_ms = rec.updated_ms + opts_.lease.count();
  std::promise<caf::error> written;
  auto f = written.get_future();
  core_->store().write(rec, [&written](caf::error err) { written.set_value(std::move(err)); });
  if (auto err = f.get())
    return err;
  auto core = core_;
  return detail::launch(*core_, rec.id, [&]() { return def->resume(sys_, core, rec); });
}

caf::expected<saga_record> engine::get_state(const std::string& id) {
  if (auto a = actor_of(id)) {
    caf::scoped_actor self{sys_};
    caf::expected<saga_record> result{caf::error{}};
    self->request(a, std::chrono::seconds{10}, detail::get_state_atom::value)
      .receive([&](saga_record& r) { result = std::move(r); }, [&](caf::error& err) { result = std::move(err); });
    if (result)
      return result;
  }
  auto rec = core_->store().load(id);
  if (!rec)
    return std::move(rec.error());
  if (!*rec)
    return make_error(errc::unknown_saga, "no saga '" + id + "' in the store (" + core_->store().describe() + ")");
  return std::move(**rec);
}

caf::expected<std::vector<saga_record>> engine::list(std::optional<saga_state> state) {
  return core_->store().list(state);
}

std::size_t engine::active() const {
  std::size_t n = 0;
  core_->reg->active.each([&](const auto& active) { n += active.size(); });
  return n;
}

const std::string& engine::owner() const {
  return core_->owner();
}

ago::requester& engine::requests() {
  return core_->requests();
}

saga_store& engine::store() {
  return core_->store();
}

} // namespace armada::ago
