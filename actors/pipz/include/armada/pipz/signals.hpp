#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "armada/capitan/field.hpp"
#include "armada/capitan/instance.hpp"
#include "armada/capitan/signal.hpp"
#include "armada/pipz/identity.hpp"

namespace armada::pipz {

/// The capitan signals pipz nodes emit to an injected instance (an option of each node,
/// never a global). Every event carries `keys::name` and `keys::node_id` of the emitting
/// node. Nodes emit after releasing their locks; with no instance injected nothing is built.
namespace signals {

inline const capitan::signal retry_attempt{
    "pipz.retry.attempt", "a retry or backoff attempt failed and another one follows"};
inline const capitan::signal retry_exhausted{"pipz.retry.exhausted",
                                             "a retry or backoff gave up after its last attempt"};
inline const capitan::signal circuit_breaker_opened{"pipz.circuit_breaker.opened",
                                                    "a circuit breaker opened and rejects calls"};
inline const capitan::signal circuit_breaker_half_open{
    "pipz.circuit_breaker.half_open", "a circuit breaker lets probe calls through"};
inline const capitan::signal circuit_breaker_closed{
    "pipz.circuit_breaker.closed", "a circuit breaker closed after enough probe successes"};
inline const capitan::signal circuit_breaker_rejected{"pipz.circuit_breaker.rejected",
                                                      "a circuit breaker rejected a call"};
inline const capitan::signal rate_limiter_dropped{
    "pipz.rate_limiter.dropped", "a rate limiter had no token and dropped the call"};
inline const capitan::signal rate_limiter_waited{"pipz.rate_limiter.waited",
                                                 "a rate limiter made a call wait for a token"};
inline const capitan::signal timeout_fired{"pipz.timeout.fired",
                                           "a timeout's deadline passed before its child finished"};
inline const capitan::signal enrich_failed{
    "pipz.enrich.failed", "an enrich step failed; the pipeline continued with its input"};
inline const capitan::signal worker_pool_rejected{
    "pipz.worker_pool.rejected", "a worker pool's queue was full or the pool was closed"};
inline const capitan::signal handle_failed{
    "pipz.handle.failed", "an error handler threw; the original error is still returned"};
inline const capitan::signal scaffold_failed{"pipz.scaffold.failed",
                                             "a background child of a scaffold failed"};

} // namespace signals

/// Field keys of the pipz signals.
namespace keys {

inline const capitan::key<std::string> name{"name"};        ///< emitting node's name
inline const capitan::key<std::string> node_id{"node_id"};  ///< emitting node's UUID
inline const capitan::key<std::string> error{"error"};      ///< the failure's message
inline const capitan::key<std::int64_t> attempt{"attempt"}; ///< 1-based
inline const capitan::key<std::int64_t> max_attempts{"max_attempts"};
inline const capitan::key<std::chrono::nanoseconds> delay{"delay"};   ///< wait before next try
inline const capitan::key<std::chrono::nanoseconds> waited{"waited"}; ///< limiter wait
inline const capitan::key<std::chrono::nanoseconds> after{"after"};   ///< timeout duration
inline const capitan::key<std::uint64_t> generation{"generation"};    ///< breaker generation
inline const capitan::key<std::int64_t> failures{"failures"};         ///< consecutive failures
inline const capitan::key<std::int64_t> capacity{"capacity"};         ///< queue capacity

} // namespace keys

namespace detail {

/// Emits `s` with the node's name and id plus `fields` at `level`, swallowing any exception
/// from capitan (a failing emit must not fail the call). Call only with a non-null `inst`
/// and never while holding a lock.
template <class... Fields>
void emit(capitan::instance& inst, capitan::severity level, const capitan::signal& s,
          const identity& id, Fields&&... fields) {
  try {
    std::vector<capitan::field> fs;
    fs.reserve(2 + sizeof...(Fields));
    fs.push_back(keys::name(id.name()));
    fs.push_back(keys::node_id(id.id().to_string()));
    (fs.push_back(std::forward<Fields>(fields)), ...);
    inst.emit_with(nullptr, s, level, std::move(fs));
  } catch (...) {
    // capitan reports its own failures; the pipeline call goes on.
  }
}

} // namespace detail

} // namespace armada::pipz
