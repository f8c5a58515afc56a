#include "armada/runtime/thread_exit.hpp"

#include <array>
#include <atomic>
#include <mutex>

namespace armada {

namespace {

constexpr std::size_t max_functions = 16;
std::array<std::atomic<void (*)()>, max_functions> functions{};
std::atomic<std::size_t> registered{0};
std::mutex registering; // writers only; the thread hook reads without it

} // namespace

bool at_actor_thread_exit(void (*fn)()) {
  std::lock_guard guard{registering};
  auto n = registered.load();
  for (std::size_t i = 0; i < n; ++i)
    if (functions[i].load() == fn)
      return true;
  if (n == max_functions)
    return false;
  functions[n].store(fn);
  registered.store(n + 1); // published after the slot
  return true;
}

namespace detail {

void run_actor_thread_exit() {
  auto n = registered.load();
  for (std::size_t i = 0; i < n; ++i)
    functions[i].load()();
}

} // namespace detail

} // namespace armada
