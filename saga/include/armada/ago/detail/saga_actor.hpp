#pragma once

// The saga actor: one per running saga instance, driving its record through the lifecycle.
// Internal; see docs/ago.md for the behaviour.

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "armada/ago/detail/engine_core.hpp"
#include "armada/ago/saga.hpp"
#include "armada/ago/signals.hpp"
#include "armada/capitan/actors.hpp"
#include "armada/capitan/instance.hpp"
#include "armada/runtime/error.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(armada::ago::saga_record)

namespace armada::ago::detail {

using written_atom = caf::atom_constant<caf::atom("written")>;
using timer_atom = caf::atom_constant<caf::atom("timer")>;
using reply_atom = caf::atom_constant<caf::atom("reply")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using advance_atom = caf::atom_constant<caf::atom("advance")>;
using get_state_atom = capitan::get_state_atom;

/// The step index of the saga's own timeout timer.
inline constexpr std::uint32_t saga_deadline = std::numeric_limits<std::uint32_t>::max();

/// The text of a failed `pipz::status` or a caught exception.
std::string failure_text(const pipz::status& st);
std::string failure_text(std::exception_ptr ex);

/// A definition with its steps flattened: index i of `flat` is index i of a record's steps.
template <class T> struct compiled {
  saga<T> def;
  std::vector<const step_def<T>*> flat;
  std::vector<std::vector<std::uint32_t>> members; // per unit: step indices

  explicit compiled(saga<T> d) : def(std::move(d)) {
    std::uint32_t index = 0;
    for (const auto& unit : def.units()) {
      auto& m = members.emplace_back();
      for (const auto& s : unit) {
        flat.push_back(&s);
        m.push_back(index++);
      }
    }
  }
};

/// A snapshot of saga data, encoded on demand (see `pending_data`).
template <class T> class typed_data final : public pending_data {
public:
  explicit typed_data(T value) : value_(std::move(value)) {}
  std::string encode() const override { return codec<T>::encode(value_); }
  const T& value() const { return value_; }

private:
  T value_;
};

template <class T> struct actor_state {
  std::shared_ptr<engine_core> core;
  std::shared_ptr<const compiled<T>> def;
  saga_record rec;
  std::optional<T> data;
  std::vector<char> busy;                       // a request of this step is in flight
  std::vector<armada::clock::timer_id> timers;  // per step (0: none)
  armada::clock::timer_id deadline_timer = 0;
  std::string key;                              // the idempotency key being built (reused)
  bool writing = false;
  bool done = false;
  static inline const char* name = "ago.saga";
};

template <class T> using saga_self = caf::stateful_actor<actor_state<T>>*;

/// Writes the idempotency key of step `i` (`<id>:<step>`, `<id>:compensate:<step>`) into `out`.
template <class T> void write_key(const actor_state<T>& s, std::uint32_t i, bool compensate, std::string& out) {
  out.assign(s.rec.id).append(compensate ? ":compensate:" : ":").append(s.rec.steps[i].name);
}

template <class T> std::string key_of(const actor_state<T>& s, std::uint32_t i, bool compensate) {
  std::string key;
  write_key(s, i, compensate, key);
  return key;
}

/// A write outcome: stops the actor when the write failed (lease lost, store failure), leaving
/// the saga in the log for recovery.
template <class T> void written(saga_self<T> self, const caf::error& err) {
  auto& s = self->state;
  s.writing = false;
  if (!err)
    return;
  s.done = true;
  for (std::uint32_t i = 0; i < s.timers.size(); ++i)
    disarm(self, i);
  s.core->abandoned(s.rec, err);
  self->quit();
}

/// Writes the record. A store that writes at once (`write_now`: the memory store) or completes
/// `write` inline lets the actor go on at once; otherwise the outcome arrives as a `written` message. Either way
/// `writing` is true only while the write is outstanding.
template <class T> void persist(saga_self<T> self) {
  auto& s = self->state;
  s.writing = true;
  s.rec.updated_ms = s.core->now_ms();
  s.rec.owner = s.core->owner();
  s.rec.lease_ms = s.rec.updated_ms + s.core->lease().count();
  s.rec.lazy_data = std::make_shared<const typed_data<T>>(*s.data); // encoded where bytes are needed
  ++s.rec.version;
  if (auto now = s.core->store().write_now(s.rec)) {
    written(self, *now);
    return;
  }
  struct slot {
    std::atomic<int> phase{0}; // 0: in write(), 1: done inline, 2: write() returned first
    caf::error err;
  };
  auto sync = std::make_shared<slot>();
  auto me = caf::actor_cast<caf::actor>(self);
  s.core->store().write(s.rec, [me, sync](caf::error err) {
    int in_call = 0;
    if (sync->phase.compare_exchange_strong(in_call, 1)) {
      sync->err = std::move(err);
      return;
    }
    caf::anon_send(me, written_atom::value, std::move(err));
  });
  int in_call = 0;
  if (!sync->phase.compare_exchange_strong(in_call, 2))
    written(self, sync->err); // completed inline
}

template <class T> void disarm(saga_self<T> self, std::uint32_t i) {
  auto& s = self->state;
  if (s.timers[i] != 0) {
    s.core->clock().cancel(s.timers[i]);
    s.timers[i] = 0;
  }
}

template <class T> void arm(saga_self<T> self, std::uint32_t i) {
  auto& s = self->state;
  disarm(self, i);
  auto wake = s.rec.steps[i].wake_ms;
  if (wake == 0)
    return;
  auto me = caf::actor_cast<caf::actor>(self);
  s.timers[i] = s.core->at(wake, [me, i, wake] { caf::anon_send(me, timer_atom::value, i, wake); });
}

template <class T> void drop_compensation(actor_state<T>& s, const std::string& name) {
  auto& c = s.rec.compensations;
  c.erase(std::remove(c.begin(), c.end(), name), c.end());
}

template <class T> void begin_compensation(saga_self<T> self, std::string reason) {
  auto& s = self->state;
  for (std::uint32_t i = 0; i < s.rec.steps.size(); ++i) {
    if (s.busy[i]) { // an action waiting for its reply: its outcome is unknown, so it is owed
      const auto& spec = *s.def->flat[i]->action.request;
      s.core->requests().cancel(spec.reply, key_of(s, i, false));
      s.busy[i] = 0;
    }
    disarm(self, i);
    auto& st = s.rec.steps[i];
    st.wake_ms = 0;
    if (st.status == step_status::pending && st.attempts > 0)
      st.status = step_status::failed; // waiting for a retry: the failed attempts did not apply
  }
  s.rec.state = ago::saga_state::compensating;
  s.rec.error = std::move(reason);
  s.core->emit(signals::compensating, s.rec, {}, 0, s.rec.error);
}

/// Applies the outcome of action attempt of step `i`.
template <class T> void action_result(saga_self<T> self, std::uint32_t i, const std::string& failure) {
  auto& s = self->state;
  auto& st = s.rec.steps[i];
  const auto& opts = s.def->flat[i]->options;
  disarm(self, i);
  st.wake_ms = 0;
  if (failure.empty()) {
    st.status = step_status::done;
    st.error.clear();
    s.core->emit(signals::step_completed, s.rec, st.name, st.attempts);
    return;
  }
  st.error = failure;
  s.core->emit(signals::step_failed, s.rec, st.name, st.attempts, failure);
  drop_compensation(s, st.name); // a failed attempt did not apply
  if (st.attempts < opts.retry.max_attempts) {
    st.status = step_status::pending;
    st.wake_ms = s.core->now_ms()
                 + std::chrono::duration_cast<std::chrono::milliseconds>(
                       pipz::backoff_delay(opts.retry, st.attempts, opts.retry.jitter > 0 ? pipz::detail::unit_random() : 0.0))
                       .count();
    arm(self, i);
    persist(self); // the retry wait is durable
  } else {
    st.status = step_status::failed;
  }
}

/// Applies the outcome of compensation attempt of step `i`.
template <class T> void compensation_result(saga_self<T> self, std::uint32_t i, const std::string& failure) {
  auto& s = self->state;
  auto& st = s.rec.steps[i];
  const auto& opts = s.def->flat[i]->options;
  disarm(self, i);
  st.wake_ms = 0;
  if (failure.empty()) {
    st.status = step_status::compensated;
    st.error.clear();
    drop_compensation(s, st.name);
    s.core->emit(signals::step_compensated, s.rec, st.name, st.compensation_attempts);
    return;
  }
  st.error = failure;
  if (st.compensation_attempts < opts.compensation_retry.max_attempts) {
    st.wake_ms = s.core->now_ms()
                 + std::chrono::duration_cast<std::chrono::milliseconds>(
                       pipz::backoff_delay(opts.compensation_retry, st.compensation_attempts,
                                           opts.compensation_retry.jitter > 0 ? pipz::detail::unit_random() : 0.0))
                       .count();
    arm(self, i);
    persist(self);
  } else {
    s.rec.state = ago::saga_state::stuck;
    s.rec.error = "compensation of step '" + st.name + "' failed " + std::to_string(st.compensation_attempts)
                  + " times (last: " + failure + "); fix the cause, then resume the saga with engine::resume";
    persist(self);
  }
}

/// Runs operation `op` of step `i`: a local function inline, or sends its request.
template <class T> void execute(saga_self<T> self, std::uint32_t i, bool compensate) {
  auto& s = self->state;
  auto& st = s.rec.steps[i];
  const auto& def = *s.def->flat[i];
  const auto& op = compensate ? def.compensation : def.action;
  auto attempt = compensate ? st.compensation_attempts : st.attempts;
  if (op.local) {
    write_key(s, i, compensate, s.key); // a buffer the actor reuses: no allocation per step
    step_context ctx{s.rec.id, st.name, s.key, attempt, compensate,
                     s.rec.deadline_ms == 0 ? std::chrono::system_clock::time_point::max()
                                            : std::chrono::system_clock::time_point{std::chrono::milliseconds{s.rec.deadline_ms}}};
    std::string failure;
    try {
      auto result = op.local(ctx, *s.data);
      if (!result.ok())
        failure = failure_text(result);
    } catch (...) {
      failure = failure_text(std::current_exception());
    }
    if (compensate)
      compensation_result(self, i, failure);
    else
      action_result(self, i, failure);
    return;
  }
  auto key = key_of(s, i, compensate);
  const auto& spec = *op.request;
  s.busy[i] = 1;
  arm(self, i); // the attempt's durable timeout, if any
  auto me = caf::actor_cast<caf::actor>(self);
  std::vector<capitan::field> fields;
  if (spec.fields)
    fields = spec.fields(*s.data);
  s.core->requests().request(spec.command, spec.reply, std::move(key), std::move(fields), {},
                             [me, i, attempt, compensate](caf::expected<capitan::event> r) {
                               if (r)
                                 caf::anon_send(me, reply_atom::value, i, attempt, compensate, std::move(*r));
                               else
                                 caf::anon_send(me, reply_atom::value, i, attempt, compensate, std::move(r.error()));
                             });
}

template <class T> void set_attempt_deadline(actor_state<T>& s, std::uint32_t i, const step_options& opts) {
  s.rec.steps[i].wake_ms = opts.timeout.count() > 0 ? s.core->now_ms() + opts.timeout.count() : 0;
}

/// Forward progress; false when waiting (for a write, a reply or a timer).
template <class T> bool run_forward(saga_self<T> self) {
  auto& s = self->state;
  auto& rec = s.rec;
  if (rec.cancel_requested) {
    begin_compensation(self, "cancelled");
    return true;
  }
  if (rec.deadline_ms != 0 && s.core->now_ms() >= rec.deadline_ms) {
    begin_compensation(self, "the saga timed out (its deadline passed before step "
                                 + std::to_string(rec.position + 1) + " finished)");
    return true;
  }
  if (rec.position >= s.def->members.size()) {
    rec.state = ago::saga_state::completed;
    persist(self);
    return !s.writing;
  }
  const auto& members = s.def->members[rec.position];
  bool started = false;
  for (auto i : members) {
    auto& st = rec.steps[i];
    if (st.status == step_status::pending && st.wake_ms == 0) {
      const auto& def = *s.def->flat[i];
      st.status = step_status::running;
      ++st.attempts;
      if (!def.compensation.empty())
        rec.compensations.push_back(st.name); // owed from now on: recorded before it runs
      if (def.action.request)
        set_attempt_deadline(s, i, def.options);
      started = true;
    }
  }
  if (started) {
    persist(self);
    return !s.writing; // recorded before it runs
  }
  bool ran = false;
  for (auto i : members)
    if (rec.steps[i].status == step_status::running && !s.busy[i]) {
      execute(self, i, false);
      ran = true;
      if (s.writing)
        return false;
    }
  if (ran)
    return true;
  bool all_done = true;
  bool any_failed = false;
  for (auto i : members) {
    all_done = all_done && rec.steps[i].status == step_status::done;
    any_failed = any_failed || rec.steps[i].status == step_status::failed;
  }
  if (all_done) {
    ++rec.position;
    return true;
  }
  if (any_failed) {
    bool waiting = false;
    for (auto i : members)
      waiting = waiting || s.busy[i] || rec.steps[i].status == step_status::pending;
    if (!waiting) {
      for (auto i : members)
        if (rec.steps[i].status == step_status::failed) {
          begin_compensation(self, "step '" + rec.steps[i].name + "' failed after "
                                       + std::to_string(rec.steps[i].attempts) + " attempt(s): "
                                       + rec.steps[i].error);
          return true;
        }
    }
  }
  return false;
}

/// Backward progress (compensation); false when waiting.
template <class T> bool run_backward(saga_self<T> self) {
  auto& s = self->state;
  auto& rec = s.rec;
  if (rec.compensations.empty()) {
    rec.state = ago::saga_state::failed;
    persist(self);
    return !s.writing;
  }
  // The latest unit that owes compensations goes first; its steps are compensated together.
  std::uint32_t unit = 0;
  for (const auto& name : rec.compensations)
    unit = std::max(unit, rec.find(name)->unit);
  std::vector<std::uint32_t> owed;
  for (auto i : s.def->members[unit])
    if (std::find(rec.compensations.begin(), rec.compensations.end(), rec.steps[i].name) != rec.compensations.end())
      owed.push_back(i);
  bool started = false;
  for (auto i : owed) {
    auto& st = rec.steps[i];
    if (st.status != step_status::compensating) {
      st.status = step_status::compensating;
      ++st.compensation_attempts;
      if (s.def->flat[i]->compensation.request)
        set_attempt_deadline(s, i, s.def->flat[i]->options);
      started = true;
    }
  }
  if (started) {
    persist(self);
    return !s.writing;
  }
  bool ran = false;
  for (auto i : owed)
    if (!s.busy[i] && s.timers[i] == 0 && (rec.steps[i].wake_ms == 0 || s.def->flat[i]->compensation.request)) {
      execute(self, i, true);
      ran = true;
      if (s.writing)
        return false;
      if (rec.state != ago::saga_state::compensating)
        return true; // stuck, written: drive finishes it
    }
  return ran;
}

template <class T> void finish(saga_self<T> self) {
  auto& s = self->state;
  s.done = true;
  for (std::uint32_t i = 0; i < s.timers.size(); ++i)
    disarm(self, i);
  if (s.deadline_timer != 0)
    s.core->clock().cancel(s.deadline_timer);
  switch (s.rec.state) {
    case ago::saga_state::completed: s.core->emit(signals::completed, s.rec); break;
    case ago::saga_state::failed: s.core->emit(signals::failed, s.rec, {}, 0, s.rec.error); break;
    default: {
      std::string step;
      for (const auto& st : s.rec.steps)
        if (st.status == step_status::compensating)
          step = st.name;
      s.core->emit(signals::stuck, s.rec, step, 0, s.rec.error);
    }
  }
  s.core->finished(s.rec); // the outcome takes the data unencoded (saga_outcome::snapshot)
  self->quit();
}

template <class T> void drive(saga_self<T> self) {
  auto& s = self->state;
  while (!s.writing && !s.done) {
    switch (s.rec.state) {
      case ago::saga_state::pending:
        s.rec.state = ago::saga_state::running;
        s.core->emit(signals::started, s.rec);
        break;
      case ago::saga_state::running:
        if (!run_forward(self))
          return;
        break;
      case ago::saga_state::compensating:
        if (!run_backward(self))
          return;
        break;
      default:
        finish(self);
        return;
    }
  }
}

template <class T> void on_reply(saga_self<T> self, std::uint32_t i, std::uint32_t attempt, bool compensate,
                                 const caf::expected<capitan::event>& reply) {
  auto& s = self->state;
  if (i >= s.rec.steps.size() || !s.busy[i] || s.done)
    return; // late: the attempt timed out or the saga moved on
  auto& st = s.rec.steps[i];
  if (compensate != (st.status == step_status::compensating)
      || attempt != (compensate ? st.compensation_attempts : st.attempts))
    return;
  s.busy[i] = 0;
  std::string failure;
  if (!reply) {
    failure = describe(reply.error());
  } else {
    const auto& op = compensate ? s.def->flat[i]->compensation : s.def->flat[i]->action;
    if (op.request->on_reply) {
      try {
        auto r = op.request->on_reply(*reply, *s.data);
        if (!r.ok())
          failure = failure_text(r);
      } catch (...) {
        failure = failure_text(std::current_exception());
      }
    }
  }
  if (compensate)
    compensation_result(self, i, failure);
  else
    action_result(self, i, failure);
  drive(self);
}

template <class T> void on_timer(saga_self<T> self, std::uint32_t i, std::int64_t wake) {
  auto& s = self->state;
  if (s.done)
    return;
  if (i == saga_deadline) {
    s.deadline_timer = 0;
    drive(self);
    return;
  }
  if (i >= s.rec.steps.size() || s.rec.steps[i].wake_ms != wake)
    return; // stale
  s.timers[i] = 0;
  auto& st = s.rec.steps[i];
  if (s.busy[i]) { // a request attempt ran out of time
    bool compensate = st.status == step_status::compensating;
    const auto& op = compensate ? s.def->flat[i]->compensation : s.def->flat[i]->action;
    s.core->requests().cancel(op.request->reply, key_of(s, i, compensate));
    s.busy[i] = 0;
    auto failure = "no reply to '" + op.request->command.name() + "' within "
                   + std::to_string(s.def->flat[i]->options.timeout.count()) + " ms";
    if (compensate)
      compensation_result(self, i, failure);
    else
      action_result(self, i, failure);
  } else if (st.status == step_status::compensating) {
    st.wake_ms = 0; // the retry wait of a compensation ended: next attempt
    ++st.compensation_attempts;
    if (s.def->flat[i]->compensation.request)
      set_attempt_deadline(s, i, s.def->flat[i]->options);
    if (!s.writing)
      persist(self);
  } else {
    st.wake_ms = 0; // the retry wait of an action ended
  }
  drive(self);
}

/// The saga actor. Its handlers never wait for a full capitan queue (`non_blocking_scope`):
/// they run on CAF scheduler threads. `rec` is new (pending) or recovered from the log.
template <class T>
caf::behavior saga_actor(caf::stateful_actor<actor_state<T>>* self, std::shared_ptr<engine_core> core,
                         std::shared_ptr<const compiled<T>> def, saga_record rec, T data) {
  auto& s = self->state;
  s.core = std::move(core);
  s.def = std::move(def);
  s.rec = std::move(rec);
  s.rec.compensations.reserve(s.rec.steps.size()); // grows by one per started step: allocated once
  s.data.emplace(std::move(data));
  s.busy.assign(s.rec.steps.size(), 0);
  s.timers.assign(s.rec.steps.size(), 0);
  for (std::uint32_t i = 0; i < s.rec.steps.size(); ++i)
    if (s.rec.steps[i].wake_ms != 0 && s.rec.steps[i].status != step_status::running
        && s.rec.steps[i].status != step_status::compensating)
      arm(self, i); // a retry wait
    else if (s.rec.steps[i].wake_ms != 0 && s.rec.steps[i].status == step_status::compensating
             && !s.def->flat[i]->compensation.request)
      arm(self, i); // a compensation's retry wait
  if (s.rec.deadline_ms != 0 && !is_terminal(s.rec.state)) {
    auto me = caf::actor_cast<caf::actor>(self);
    s.deadline_timer = s.core->at(s.rec.deadline_ms, [me] {
      caf::anon_send(me, timer_atom::value, saga_deadline, std::int64_t{0});
    });
  }
  self->send(self, advance_atom::value); // start driving
  return {
    [self](advance_atom) {
      capitan::non_blocking_scope no_wait;
      drive(self);
    },
    [self](written_atom, caf::error& err) {
      capitan::non_blocking_scope no_wait; // see non_blocking_scope
      written(self, err);
      drive(self);
    },
    [self](timer_atom, std::uint32_t i, std::int64_t wake) {
      capitan::non_blocking_scope no_wait; // see non_blocking_scope
      on_timer(self, i, wake);
    },
    [self](reply_atom, std::uint32_t i, std::uint32_t attempt, bool compensate, capitan::event& e) {
      capitan::non_blocking_scope no_wait; // see non_blocking_scope
      on_reply(self, i, attempt, compensate, caf::expected<capitan::event>{std::move(e)});
    },
    [self](reply_atom, std::uint32_t i, std::uint32_t attempt, bool compensate, caf::error& err) {
      capitan::non_blocking_scope no_wait; // see non_blocking_scope
      on_reply(self, i, attempt, compensate, caf::expected<capitan::event>{std::move(err)});
    },
    [self](cancel_atom) -> bool {
      capitan::non_blocking_scope no_wait; // see non_blocking_scope
      auto& s = self->state;
      if (s.done || s.rec.state == ago::saga_state::compensating || is_terminal(s.rec.state))
        return false; // cancelling never cancels a compensation
      s.rec.cancel_requested = true;
      drive(self);
      return true;
    },
    [self](get_state_atom) -> saga_record {
      auto& s = self->state;
      auto r = s.rec;
      r.lazy_data.reset();
      r.data = codec<T>::encode(*s.data);
      return r;
    },
  };
}

} // namespace armada::ago::detail
