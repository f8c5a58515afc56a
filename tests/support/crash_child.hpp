#pragma once

// The crash tests' child programs (a process the test SIGKILLs at a known point): failing with a
// message, reporting a step on stdout, and taking one message to die holding it.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "armada/herald/driver.hpp"
#include "armada/runtime/error.hpp"

namespace armada::testing_support {

/// Prints "`who`: `what`: <error>" on stderr and exits with 1.
[[noreturn]] inline void fail(const std::string& who, const std::string& what, const caf::error& err) {
  std::fprintf(stderr, "%s: %s: %s\n", who.c_str(), what.c_str(), describe(err).c_str());
  std::exit(1);
}

/// One line on stdout, flushed at once: the test reads it before it kills the process.
inline void say(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

/// Takes one message of `sub`, prints "holding ID ATTEMPT" and never acks it: stuck in the
/// handler until SIGKILL (the subscription's own threads, a lease keeper, go on meanwhile).
[[noreturn]] inline void hold_one(const std::string& who, herald::subscription_driver& sub) {
  for (;;) {
    auto got = sub.fetch(1, std::chrono::seconds{1});
    if (!got)
      fail(who, "fetch", got.error());
    if (got->empty())
      continue;
    sub.decode_batch(*got);
    auto& m = got->front();
    say("holding " + m.id + " " + std::to_string(m.attempt));
    for (;;)
      ::pause();
  }
}

} // namespace armada::testing_support
