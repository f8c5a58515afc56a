#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <typeindex>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "armada/ago/detail/engine_core.hpp"
#include "armada/ago/detail/saga_actor.hpp"
#include "armada/ago/errc.hpp"
#include "armada/ago/record.hpp"
#include "armada/ago/request.hpp"
#include "armada/ago/saga.hpp"
#include "armada/ago/store.hpp"
#include "armada/capitan/instance.hpp"
#include "armada/pipz/chainable.hpp"
#include "armada/runtime/clock.hpp"
#include "armada/runtime/error.hpp"

namespace armada::ago {

/// Options of an engine.
struct engine_options {
  /// The lease owner name written into every record this engine holds. Empty: a fresh UUID
  /// (recovery of a dead engine's sagas then waits for their leases to expire). A stable name
  /// per service instance lets a restarted process resume its own sagas at once.
  std::string owner{};
  /// How long a lease lasts without renewal; the engine renews every lease / 3.
  std::chrono::milliseconds lease{10000};
  /// Scan the store for sagas whose lease expired (a dead engine's) this often; zero: only
  /// when `recover()` is called.
  std::chrono::milliseconds recover_interval{0};
  /// Where saga signals go (`signals.hpp`) and where request steps emit; the default instance
  /// when null.
  capitan::instance* events = nullptr;
  /// Time of durable timers and leases; the process clock when null.
  std::shared_ptr<armada::clock> clock{};
};

/// Options of one `start`.
struct start_options {
  /// The saga id; empty: a fresh UUID. Starting an id that already exists starts nothing and
  /// returns the id (so a redelivered command cannot run its saga twice).
  std::string id{};
  /// Wait until the saga's first record is in the log before `start` returns: a crash right
  /// after `start` cannot lose the saga (recovery resumes it). Without it, `start` returns once
  /// the actor runs and the first write follows at once (a caller that must not lose a start
  /// then starts with an explicit id and retries: start is idempotent per id). Costs one log
  /// write's latency per start (an fsync on the embedded store, shared with other writes).
  bool durable = false;
};

/// A finished saga: its final state, error and data.
struct saga_outcome {
  std::string id;
  saga_state state = saga_state::pending;
  std::string error{};
  std::string encoded{}; ///< the data encoded by the definition's codec, unless `snapshot` is set
  /// The data of a saga that finished in this process, not encoded yet (see `data`).
  std::shared_ptr<const pending_data> snapshot{};

  /// The saga's final data, encoded by the definition's codec.
  std::string data() const { return snapshot ? snapshot->encode() : encoded; }
  /// The saga's final data; a saga that finished in this process hands it over without an
  /// encode and decode.
  template <class T> caf::expected<T> data_as() const {
    if (auto typed = dynamic_cast<const detail::typed_data<T>*>(snapshot.get()))
      return typed->value();
    return codec<T>::decode(data());
  }
};

/// What flows through the pipz node of a saga (see `engine::add`).
template <class T> struct flow {
  T data;
  std::string saga_id{}; ///< empty: a fresh id
};

namespace detail {
template <class T> class definition final : public definition_base {
public:
  explicit definition(std::shared_ptr<const compiled<T>> c)
    : definition_base(c->def.name(), std::type_index{typeid(T)}), compiled_(std::move(c)) {}

  std::chrono::milliseconds timeout() const override { return compiled_->def.saga_timeout(); }

  std::vector<step_record> initial_steps() const override {
    std::vector<step_record> steps;
    steps.reserve(compiled_->flat.size());
    for (std::uint32_t u = 0; u < compiled_->members.size(); ++u)
      for (auto i : compiled_->members[u])
        steps.push_back(step_record{.name = compiled_->flat[i]->name, .unit = u});
    return steps;
  }

  caf::expected<caf::actor> resume(caf::actor_system& sys, const std::shared_ptr<engine_core>& core,
                                   saga_record rec) const override {
    auto data = codec<T>::decode(rec.data);
    if (!data)
      return make_error(errc::codec, "saga '" + rec.id + "' of type '" + rec.type + "': " + describe(data.error()));
    return spawn(sys, core, std::move(rec), std::move(*data));
  }

  caf::actor spawn(caf::actor_system& sys, const std::shared_ptr<engine_core>& core, saga_record rec, T data) const {
    return sys.spawn(saga_actor<T>, core, compiled_, std::move(rec), std::move(data));
  }

  const compiled<T>& get() const { return *compiled_; }

private:
  std::shared_ptr<const compiled<T>> compiled_;
};
} // namespace detail

/// Runs sagas: one saga actor per running instance, its log in a `saga_store`, its signals on
/// capitan. Thread-safe. Destroying (or closing) the engine stops its saga actors where they
/// are: their records stay in the log, and an engine that recovers them later resumes them.
class engine {
public:
  engine(caf::actor_system& sys, std::shared_ptr<saga_store> store, engine_options opts = {});
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Registers a definition under its name and returns it as a pipz node: processing a
  /// `flow<T>` runs one saga to its end (blocking the caller) and returns the final data, or
  /// fails with the saga's error. Throws std::invalid_argument with the validation error.
  template <class T> pipz::ref<flow<T>> add(saga<T> def);

  /// Starts a saga of the registered definition `type` with `data`; returns its id once the
  /// saga actor runs (its first log write follows at once).
  template <class T>
  caf::expected<std::string> start(const std::string& type, T data, start_options opts = {});

  /// Waits until saga `id` is terminal (completed, failed or stuck); errc::timeout after
  /// `timeout`. Works for sagas of other engines on the same store too (by polling the log).
  caf::expected<saga_outcome> wait(const std::string& id, std::chrono::milliseconds timeout);

  /// Calls `fn` once when saga `id`, running on this engine, becomes terminal; false when it is
  /// not running here (look it up with `get_state`).
  bool on_finished(const std::string& id, std::function<void(const saga_outcome&)> fn);

  /// Requests cancellation: a running saga compensates its completed steps and fails with
  /// "cancelled". A compensation is never cancelled. errc::unknown_saga when it is not running
  /// on this engine.
  caf::error cancel(const std::string& id);

  /// Resumes every saga of the store that is not terminal and whose lease expired (or that
  /// this engine's owner name holds), exactly where its log says. Returns how many resumed;
  /// sagas of unknown definitions are reported on `saga.error` and left alone.
  caf::expected<std::size_t> recover();

  /// Resumes a Stuck saga: it retries its compensations with a fresh retry budget.
  caf::error resume(const std::string& id);

  /// The saga's record: from its live actor when it runs here, else from the log.
  caf::expected<saga_record> get_state(const std::string& id);

  /// The records of the store, or those in `state`.
  caf::expected<std::vector<saga_record>> list(std::optional<saga_state> state = std::nullopt);

  /// The live saga actor of `id` (for tests and inspection), or an invalid handle.
  caf::actor actor_of(const std::string& id) const;

  /// Sagas running on this engine now.
  std::size_t active() const;

  const std::string& owner() const;
  ago::requester& requests();
  saga_store& store();
  caf::actor_system& system() const { return sys_; }

  /// Stops the lease renewal and recovery timers and every saga actor (sagas stay in the log),
  /// and waits until those actors are gone (at most 10 s): after it returns, nothing of this
  /// engine uses its capitan instance, store or clock. Idempotent. Do not call it from a saga
  /// step (it would wait for the step's own actor).
  void close();

private:
  caf::error add_definition(std::shared_ptr<detail::definition_base> def);
  std::shared_ptr<detail::definition_base> find(const std::string& type) const;
  caf::expected<std::optional<std::string>> prepare_start(const std::string& type, std::type_index t,
                                                          start_options& opts, saga_record& rec);
  caf::error launch(const std::string& id, const std::function<caf::actor()>& spawn);
  /// Writes the Pending record of a durable start and waits for the log (start_options::durable).
  caf::error write_first(saga_record& rec);

  caf::actor_system& sys_;
  std::shared_ptr<detail::engine_core> core_;
  engine_options opts_;
};

// -- implementation -----------------------------------------------------------------------

namespace detail {
template <class T> class saga_node final : public pipz::node<flow<T>> {
public:
  saga_node(engine& e, std::string type)
    : pipz::node<flow<T>>(pipz::identity{type, "ago saga"}), engine_(e), type_(std::move(type)) {}

  pipz::result<flow<T>> process(pipz::context& ctx, flow<T> input) override {
    auto id = engine_.start<T>(type_, input.data, start_options{.id = input.saga_id});
    if (!id)
      return this->fail_with(ctx, std::move(input), std::make_exception_ptr(std::runtime_error{describe(id.error())}));
    auto limit = std::chrono::milliseconds{std::chrono::hours{24 * 365}};
    auto out = engine_.wait(*id, limit);
    if (!out)
      return this->fail_with(ctx, std::move(input), std::make_exception_ptr(std::runtime_error{describe(out.error())}));
    if (out->state != saga_state::completed)
      return this->fail_with(ctx, std::move(input),
                             std::make_exception_ptr(std::runtime_error{"saga " + *id + " " + std::string{to_string(out->state)}
                                                                        + ": " + out->error}));
    auto data = out->template data_as<T>();
    if (!data)
      return this->fail_with(ctx, std::move(input), std::make_exception_ptr(std::runtime_error{describe(data.error())}));
    return flow<T>{std::move(*data), *id};
  }

  pipz::schema_node schema() const override {
    auto s = pipz::schema_node::of(this->id_, "saga");
    return s;
  }

private:
  engine& engine_;
  std::string type_;
};
} // namespace detail

template <class T> pipz::ref<flow<T>> engine::add(saga<T> def) {
  if (auto err = def.validate())
    throw std::invalid_argument{describe(err)};
  auto name = def.name();
  auto compiled = std::make_shared<const detail::compiled<T>>(std::move(def));
  if (auto err = add_definition(std::make_shared<detail::definition<T>>(std::move(compiled))))
    throw std::invalid_argument{describe(err)};
  return std::make_shared<detail::saga_node<T>>(*this, std::move(name));
}

template <class T>
caf::expected<std::string> engine::start(const std::string& type, T data, start_options opts) {
  saga_record rec;
  auto existing = prepare_start(type, std::type_index{typeid(T)}, opts, rec);
  if (!existing)
    return std::move(existing.error());
  if (*existing)
    return std::move(**existing);
  if (opts.durable) {
    rec.lazy_data = std::make_shared<const detail::typed_data<T>>(data);
    if (auto err = write_first(rec))
      return err;
  }
  auto def = std::static_pointer_cast<detail::definition<T>>(find(type));
  auto core = core_;
  auto& sys = sys_;
  auto id = rec.id;
  if (auto err = launch(id, [&] { return def->spawn(sys, core, std::move(rec), std::move(data)); }))
    return err;
  return id;
}

} // namespace armada::ago
