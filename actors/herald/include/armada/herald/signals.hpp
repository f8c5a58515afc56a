#pragma once

#include <string>

#include "armada/capitan/field.hpp"
#include "armada/capitan/signal.hpp"

namespace armada::herald::signals {

/// A herald operation failed. Fields: code, operation, topic, message_id, detail, raw.
inline const capitan::signal error{"herald.error", "a herald operation failed"};
/// A message went to the dead-letter topic. Fields: topic, message_id, detail, attempt.
inline const capitan::signal dead_lettered{"herald.dead_lettered", "a message was dead-lettered"};

inline const capitan::key<std::string> code{"code"};             ///< errc name: "decode", …
inline const capitan::key<std::string> operation{"operation"};   ///< "publish", "subscribe", "ack" …
inline const capitan::key<std::string> topic{"topic"};
inline const capitan::key<std::string> message_id{"message_id"};
inline const capitan::key<std::string> detail{"detail"};         ///< the error text
inline const capitan::key<capitan::bytes> raw{"raw"};            ///< the payload that failed, if any
inline const capitan::key<std::uint32_t> attempt{"attempt"};

} // namespace armada::herald::signals
