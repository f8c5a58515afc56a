#pragma once

namespace armada::apps {

struct capitan_demo_options {
  int orders = 20;
  bool quiet = false;
  int fail_every = 7; ///< every n-th payment is declined (0: never)
};

/// The local order flow on capitan: emits on several signals, hooks and observes them, and
/// prints a timeline and the stats. Returns the process exit code (0 when every order reached
/// an end state and the stats agree with what the hooks saw).
int run_capitan_demo(const capitan_demo_options& opts, int argc, char** argv);

} // namespace armada::apps
