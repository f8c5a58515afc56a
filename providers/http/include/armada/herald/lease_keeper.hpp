#pragma once

// What a subscription of a cloud provider holds (delivered, not yet acked or nacked) and a
// thread that renews it before it runs out, so a slow handler keeps its message: SQS
// ChangeMessageVisibility, Pub/Sub modifyAckDeadline, a Firestore lease commit.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace armada::herald {

class lease_keeper {
public:
  /// Renews `due` (held ids that run out within half the term) for another term; runs on the
  /// keeper thread with no lock of the keeper held (it may call `release`).
  using renew_fn = std::function<void(const std::vector<std::string>& due)>;

  /// Holds for `term` each; checks every quarter term (at least every 250 ms). Starts no thread
  /// until `start`.
  lease_keeper(std::chrono::milliseconds term, renew_fn renew);

  /// Stops the thread (see `stop`).
  ~lease_keeper();

  lease_keeper(const lease_keeper&) = delete;
  lease_keeper& operator=(const lease_keeper&) = delete;

  /// Starts the keeper thread. Call once.
  void start();

  /// Holds `id` for a term from now. Thread-safe.
  void hold(const std::string& id);

  /// Stops renewing `id` (acked, nacked or lost). Thread-safe.
  void release(const std::string& id);

  /// Stops the thread (waiting for a renewal in progress) and returns what is still held, which
  /// is no longer tracked. Idempotent; not from inside `renew`.
  std::vector<std::string> stop();

private:
  using clock = std::chrono::steady_clock;

  void run();

  std::chrono::milliseconds term_;
  renew_fn renew_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::atomic<bool> stopped_{false};
  std::map<std::string, clock::time_point> held_; // id → when it runs out
  std::thread thread_;
};

} // namespace armada::herald
