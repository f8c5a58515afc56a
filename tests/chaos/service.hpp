#pragma once

// The service processes of the chaos program (`armada_chaos publish|consume|recover …`): the
// program starts them as its own children, SIGKILLs them at random and starts them again.

#include <string>

namespace armada::chaos {

/// `publish URL TOPIC LEDGER NAME RATE`: publishes messages "NAME-<run>-<n>" to TOPIC at RATE
/// per second until killed; a message's id is appended to LEDGER only after the broker
/// acknowledged its publish (a failed publish is retried with the same id). Prints "ready".
int run_publisher(const std::string& url, const std::string& topic, const std::string& ledger,
                  const std::string& name, int rate);

/// `consume URL TOPIC DIR`: subscribes to TOPIC (group "chaos"); each delivered id is appended
/// to DIR/delivered, then the order saga of that id is started (durably, idempotently) in the
/// embedded store DIR/sagas.mdb, then the message is acked. Recovers the sagas earlier runs left
/// unfinished first. Effects of steps and compensations go through DIR/effects (applied once
/// per idempotency key). Prints "ready" once subscribed; runs until killed.
int run_consumer(const std::string& url, const std::string& topic, const std::string& dir);

/// `recover DIR`: what a restarted consumer does before it consumes: recovers every unfinished
/// saga of DIR/sagas.mdb and waits (deadline) until each is terminal; prints "recovered N".
int run_recovery(const std::string& dir);

} // namespace armada::chaos
