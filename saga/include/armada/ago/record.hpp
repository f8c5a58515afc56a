#pragma once

// The saga log: one record per saga id, rewritten at every transition. It is what a store
// keeps and what recovery resumes from.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

namespace armada::ago {

/// The lifecycle of a saga: Pending → Running → Completed, or Running → Compensating → Failed,
/// and Compensating → Stuck when a compensation exhausted its retry budget.
enum class saga_state : std::uint8_t { pending, running, compensating, completed, failed, stuck };

/// The lifecycle of one step of one saga.
enum class step_status : std::uint8_t {
  pending,      ///< not started (or waiting for a retry)
  running,      ///< started; its compensation is recorded; outcome unknown until it returns
  done,         ///< its action returned / its reply arrived
  failed,       ///< its action failed after its retry budget (nothing to compensate)
  compensating, ///< its compensation started
  compensated,  ///< its compensation returned
};

std::string_view to_string(saga_state s);
std::string_view to_string(step_status s);
bool from_string(std::string_view text, saga_state& out);

/// Whether `s` is final: completed, failed or stuck (stuck waits for an operator).
inline bool is_terminal(saga_state s) {
  return s == saga_state::completed || s == saga_state::failed || s == saga_state::stuck;
}

/// One step's outcome in the log.
struct step_record {
  std::string name;
  std::uint32_t unit = 0;               ///< index of its unit (a step, or a parallel group)
  step_status status = step_status::pending;
  std::uint32_t attempts = 0;           ///< action attempts started
  std::uint32_t compensation_attempts = 0;
  std::string error{};                  ///< the last failure of the action or compensation
  /// Durable timer of this step (wall clock ms; 0: none): when its retry wait ends, or when the
  /// running request attempt times out. Recovery re-arms it.
  std::int64_t wake_ms = 0;
  friend bool operator==(const step_record&, const step_record&) = default;
};

/// Saga data captured but not yet encoded. Stores that keep bytes encode it when they write;
/// the memory store keeps it as it is and encodes only when a record is read back, so a saga
/// pays for encoding only where bytes are needed.
class pending_data {
public:
  virtual ~pending_data() = default;
  virtual std::string encode() const = 0;
};

/// Everything the log keeps about one saga.
struct saga_record {
  std::string id;
  std::string type;                     ///< the definition's name
  saga_state state = saga_state::pending;
  std::uint32_t position = 0;           ///< the unit running now (units done before it)
  std::vector<step_record> steps{};     ///< every step, in definition order
  /// Steps whose compensation is owed, in the order they started: a step enters this list
  /// (durably) before its action runs and leaves it when its compensation returned.
  std::vector<std::string> compensations{};
  std::string data{};                   ///< the saga's data, encoded by the definition's codec
  std::shared_ptr<const pending_data> lazy_data{}; ///< when set, the data to encode instead of `data`
  std::string error{};                  ///< why it compensated / failed / is stuck
  bool cancel_requested = false;
  std::int64_t created_ms = 0;          ///< wall clock, ms since the epoch
  std::int64_t updated_ms = 0;
  std::int64_t deadline_ms = 0;         ///< saga timeout (wall clock ms; 0: none) — durable
  std::string owner{};                  ///< the engine holding the lease
  std::int64_t lease_ms = 0;            ///< the lease ends at this wall-clock ms
  std::uint64_t version = 0;            ///< bumped by every write
  friend bool operator==(const saga_record&, const saga_record&) = default;

  /// Encodes `lazy_data` into `data` (if set) and drops it.
  void materialize() {
    if (lazy_data) {
      data = lazy_data->encode();
      lazy_data.reset();
    }
  }

  step_record* find(std::string_view step);
  const step_record* find(std::string_view step) const;
};

/// The record as JSON (the stored form of every store; `armada inspect` prints it).
std::string to_json(const saga_record& r);

/// Parses `to_json`'s output; errc::bad_record naming the problem otherwise.
caf::expected<saga_record> record_from_json(std::string_view text);

} // namespace armada::ago
