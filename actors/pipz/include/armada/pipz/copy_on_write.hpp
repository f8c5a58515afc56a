#pragma once

#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

namespace armada::pipz {

/// A value that many threads read and a few edit: readers take an immutable snapshot (a
/// shared_ptr copy under a briefly held mutex, no allocation); writers copy, edit the copy and
/// publish it, one writer at a time, without blocking readers while they edit. A call that
/// took a snapshot finishes on it even when an edit lands meanwhile. All member functions are
/// thread-safe.
///
/// (Not `std::atomic<std::shared_ptr>`: libstdc++ 12's `load` releases its internal lock with
/// relaxed ordering, which ThreadSanitizer rightly reports as a race with a later store.)
template <class V> class copy_on_write {
public:
  explicit copy_on_write(V initial = {})
    : current_(std::make_shared<const V>(std::move(initial))) {}

  /// The current version.
  std::shared_ptr<const V> load() const {
    std::lock_guard guard{read_mtx_};
    return current_;
  }

  /// Runs `edit(V&)` on a copy of the current version and publishes the copy; returns what
  /// `edit` returns.
  template <class F> auto update(F&& edit) {
    std::lock_guard writer{write_mtx_};
    auto next = std::make_shared<V>(*load());
    if constexpr (std::is_void_v<std::invoke_result_t<F&, V&>>) {
      edit(*next);
      publish(std::move(next));
    } else {
      auto out = edit(*next);
      publish(std::move(next));
      return out;
    }
  }

private:
  void publish(std::shared_ptr<const V> next) {
    {
      std::lock_guard guard{read_mtx_};
      current_.swap(next);
    }
    // `next` (the old version) is released here, outside the read lock.
  }

  mutable std::mutex read_mtx_;
  std::shared_ptr<const V> current_;
  std::mutex write_mtx_;
};

} // namespace armada::pipz
