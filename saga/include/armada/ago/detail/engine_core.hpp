#pragma once

// The non-template part of an engine that saga actors talk to. Internal.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <typeindex>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "armada/ago/record.hpp"
#include "armada/ago/request.hpp"
#include "armada/ago/store.hpp"
#include "armada/capitan/instance.hpp"
#include "armada/runtime/clock.hpp"

namespace armada::ago::detail {

class engine_core;

/// A registered definition, type-erased: resumes a saga of its type from a record.
class definition_base {
public:
  definition_base(std::string name, std::type_index type) : name_(std::move(name)), type_(type) {}
  virtual ~definition_base() = default;

  const std::string& name() const { return name_; }
  std::type_index type() const { return type_; }

  /// The saga timeout of the definition (zero: none).
  virtual std::chrono::milliseconds timeout() const = 0;

  /// The steps of a new record, in definition order.
  virtual std::vector<step_record> initial_steps() const = 0;

  /// Spawns the saga actor of `rec` (decoding its data); errc::codec when it does not decode.
  virtual caf::expected<caf::actor> resume(caf::actor_system& sys, const std::shared_ptr<engine_core>& core,
                                           saga_record rec) const = 0;

private:
  std::string name_;
  std::type_index type_;
};

class engine_core {
public:
  engine_core(std::shared_ptr<saga_store> store, capitan::instance& events,
              std::shared_ptr<armada::clock> clock, std::string owner, std::chrono::milliseconds lease);

  saga_store& store() { return *store_; }
  capitan::instance& events() { return events_; }
  armada::clock& clock() { return *clock_; }
  requester& requests() { return requests_; }
  const std::string& owner() const { return owner_; }
  std::chrono::milliseconds lease() const { return lease_; }

  /// Wall clock of the engine's clock, ms since the epoch.
  std::int64_t now_ms() const;

  /// Emits `s` with the saga's id and type, plus the step, attempt and error when given.
  void emit(const capitan::signal& s, const saga_record& rec, std::string_view step = {},
            std::int64_t attempt = 0, std::string_view error = {});

  /// A saga actor reached a terminal state (durably): wakes its waiters, forgets the actor.
  void finished(const saga_record& rec);

  /// A saga actor gave up without reaching a terminal state (lease lost, store failure): its
  /// record stays in the log for recovery.
  void abandoned(const saga_record& rec, const caf::error& why);

  /// Arms a clock timer at wall-clock `wake_ms` that runs `fn`.
  armada::clock::timer_id at(std::int64_t wake_ms, std::function<void()> fn);

private:
  std::shared_ptr<saga_store> store_;
  capitan::instance& events_;
  std::shared_ptr<armada::clock> clock_;
  requester requests_;
  std::string owner_;
  std::chrono::milliseconds lease_;

public:
  // The engine's registry of live sagas and waiters (engine.cpp).
  struct registry;
  std::shared_ptr<registry> reg;
};

} // namespace armada::ago::detail
