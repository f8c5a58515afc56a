#pragma once

#include <cstdint>
#include <string>

#include "armada/capitan/field.hpp"
#include "armada/capitan/signal.hpp"

/// The capitan signals of ago: every saga transition is an event (fields in brackets).
namespace armada::ago::signals {

/// [saga, type] the saga started running.
inline const capitan::signal started{"saga.started", "a saga started running"};
/// [saga, type, step, attempt] a step's action returned or its reply arrived.
inline const capitan::signal step_completed{"saga.step_completed", "a saga step completed"};
/// [saga, type, step, attempt, error] a step attempt failed (retried while its budget lasts).
inline const capitan::signal step_failed{"saga.step_failed", "a saga step attempt failed"};
/// [saga, type, error] the saga compensates its completed steps in reverse order.
inline const capitan::signal compensating{"saga.compensating", "a saga started compensating"};
/// [saga, type, step] one compensation returned.
inline const capitan::signal step_compensated{"saga.step_compensated", "a saga step was compensated"};
/// [saga, type] every step completed.
inline const capitan::signal completed{"saga.completed", "a saga completed"};
/// [saga, type, error] the saga failed and every owed compensation ran.
inline const capitan::signal failed{"saga.failed", "a saga failed and was compensated"};
/// [saga, type, step, error] a compensation exhausted its retry budget: an operator must act.
inline const capitan::signal stuck{"saga.stuck", "a saga is stuck: a compensation kept failing"};
/// [saga, type, error] the engine could not persist or resume a saga (it stays in the log).
inline const capitan::signal error{"saga.error", "the saga engine could not persist or resume a saga"};

inline const capitan::key<std::string> saga{"saga"};
inline const capitan::key<std::string> type{"type"};
inline const capitan::key<std::string> step{"step"};
inline const capitan::key<std::int64_t> attempt{"attempt"};
inline const capitan::key<std::string> reason{"error"};

} // namespace armada::ago::signals
