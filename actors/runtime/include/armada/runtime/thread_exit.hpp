#pragma once

// Per-thread state of other libraries on the threads of an armada actor system.

namespace armada {

/// Registers `fn` to run on every thread of an actor system started from `armada::config`,
/// just before the thread reports that it ended (CAF's `thread_hook::thread_terminates`).
///
/// The place to release a library's per-thread state. CAF 0.17 does not join the threads of
/// detached actors: the actor system waits for a counter each thread lowers just before it
/// ends, so a thread-local destructor can still be running while `main` returns and the
/// library's own atexit cleanup runs (OpenSSL's per-thread state was then freed twice, once
/// by `OPENSSL_cleanup` and once by the thread's exit). Here the thread releases it while the
/// actor system still waits for it.
///
/// Safe from static initializers (the registry is constant-initialized) and from any thread.
/// Registering the same function twice runs it once. Holds at most 16 functions; returns false
/// when full.
bool at_actor_thread_exit(void (*fn)());

namespace detail {
/// Runs the functions registered with `at_actor_thread_exit` (the config's thread hook).
void run_actor_thread_exit();
} // namespace detail

} // namespace armada
