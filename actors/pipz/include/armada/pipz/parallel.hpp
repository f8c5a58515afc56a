#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

#include "armada/pipz/chainable.hpp"

namespace armada::pipz::detail {

/// Runs `fn(i)` for every i in [0, n): each on its own thread, except the last, which runs on
/// the calling thread. Returns after every call finished (threads are joined, never leaked).
/// `fn` must not throw. Throws std::system_error when a thread cannot start (the threads
/// already started are joined first).
template <class F> void run_on_threads(std::size_t n, F&& fn) {
  if (n == 0)
    return;
  std::vector<std::jthread> threads;
  threads.reserve(n - 1);
  for (std::size_t i = 0; i + 1 < n; ++i)
    threads.emplace_back([&fn, i] { fn(i); });
  fn(n - 1);
}

/// `child->process` on a copy of `input` and a copy of `ctx`; a throwing custom child
/// becomes an error raised at `at`.
template <class T>
result<T> run_child(chainable<T>& child, const context& ctx, const T& input, const identity& at) {
  context local = ctx;
  try {
    return child.process(local, T(input));
  } catch (...) {
    return error<T>{at, T(input), std::current_exception(), ctx.elapsed()};
  }
}

/// Race/contest core: runs every child on its own copy at once, with a stop token that is
/// requested as soon as a result is accepted (and when the caller's token is). Waits for the
/// losers to return. Returns the first result `accept` approves, or else: a `canceled`
/// error when the caller cancelled, the last child error, or `none` when no child failed.
template <class T, class Accept>
result<T> first_accepted(const std::vector<ref<T>>& children, context& ctx, const T& input,
                         const identity& at, Accept&& accept, const char* none) {
  std::stop_source stop;
  std::stop_callback link{ctx.stop, [&stop] { stop.request_stop(); }};
  context child_ctx = ctx;
  child_ctx.stop = stop.get_token();
  std::mutex mtx;
  std::optional<T> winner;
  std::optional<error<T>> last_error;
  auto run = [&](std::size_t i) {
    context local = child_ctx;
    auto r = run_child(*children[i], local, input, at);
    bool accepted = false;
    if (r.ok()) {
      try {
        accepted = accept(local, std::as_const(*r));
      } catch (...) {
        r = error<T>{children[i]->identity(), std::move(*r), std::current_exception(),
                     ctx.elapsed()};
      }
    }
    std::lock_guard guard{mtx};
    if (accepted) {
      if (!winner) {
        winner.emplace(std::move(*r));
        stop.request_stop();
      }
    } else if (!r.ok()) {
      last_error.emplace(std::move(r).error());
    }
  };
  try {
    run_on_threads(children.size(), run);
  } catch (...) {
    return error<T>{at, input, std::current_exception(), ctx.elapsed()};
  }
  if (winner)
    return std::move(*winner);
  if (ctx.canceled())
    return error<T>{at, input, std::make_exception_ptr(causes::canceled{}), ctx.elapsed()};
  if (last_error) {
    last_error->prepend(at);
    return std::move(*last_error);
  }
  return error<T>{at, input, std::make_exception_ptr(std::runtime_error{none}), ctx.elapsed()};
}

} // namespace armada::pipz::detail
