#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "armada/capitan/instance.hpp"
#include "armada/runtime.hpp"

namespace armada::testing {

/// An actor system on CAF's deterministic test coordinator: nothing runs until the test calls
/// `run()`, so every interleaving is the test's choice. Spawns armada actors and reads their
/// state through their `get_state` interface. Use from the test's thread only.
class deterministic_fixture {
public:
  deterministic_fixture();
  ~deterministic_fixture();

  caf::actor_system& sys() { return *sys_; }
  caf::scheduler::test_coordinator& sched() { return *sched_; }

  /// Runs until no actor has work; returns the number of messages processed.
  std::size_t run() { return sched_->run(); }

  /// Runs one job; returns whether there was one.
  bool run_once() { return sched_->try_run_once(); }

  /// A capitan instance on this system (owned by the fixture).
  capitan::instance& spawn_capitan(capitan::instance_options opts = {});

  /// Emits on `inst` (does not run the scheduler).
  template <class... Fields>
  capitan::emit_result emit(capitan::instance& inst, const capitan::signal& s, Fields&&... fs) {
    return inst.emit(s, std::forward<Fields>(fs)...);
  }

  /// Asks `h` for its state (`get_state`), runs the scheduler, and returns the reply.
  template <class Handle>
  auto state_of(const Handle& h) {
    using reply = typename caf::response_type<typename Handle::signatures,
                                              capitan::get_state_atom>::type;
    using state_t = caf::detail::tl_head_t<reply>;
    std::optional<state_t> result;
    // The handle goes in as an argument: CAF 0.17 dereferences a null tuple for argument-less
    // function actors (UBSan reports it).
    auto* out = &result;
    sys_->spawn(
      [out](caf::event_based_actor* self, Handle target) {
        self->request(target, caf::infinite, capitan::get_state_atom::value)
          .then([out](state_t& s) { *out = std::move(s); });
      },
      h);
    run();
    if (!result)
      throw std::runtime_error("deterministic_fixture: the actor did not answer get_state");
    return std::move(*result);
  }

  /// The broker state of a capitan instance.
  capitan::broker_state state_of(capitan::instance& inst) { return state_of(inst.broker()); }

private:
  std::unique_ptr<config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  std::vector<std::unique_ptr<capitan::instance>> instances_;
};

} // namespace armada::testing
