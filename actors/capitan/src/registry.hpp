#pragma once

// Private: the shared state behind an instance. The broker actor owns it (through a
// shared_ptr also held by the facade and the topic actors); the data path (emit) reads it
// without going through the broker, so an emit is one message to one topic actor.

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "armada/capitan/instance.hpp"

namespace armada::capitan::detail {

class registry;

struct listener_impl {
  std::uint64_t id = 0;
  capitan::signal sig;
  callback fn;
  bool once = false;
  bool observer = false;
  std::atomic<bool> fired{false};
  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> calls{0};
  std::weak_ptr<registry> reg;

  listener_impl(std::uint64_t id, capitan::signal s, callback f, bool once, bool observer,
                std::weak_ptr<registry> r)
    : id(id), sig(s), fn(std::move(f)), once(once), observer(observer), reg(std::move(r)) {
  }
};

struct observer_impl {
  std::uint64_t id = 0;
  callback fn;
  std::optional<std::vector<signal>> whitelist;
  std::weak_ptr<registry> reg;
  std::mutex mtx;
  std::vector<listener_ptr> listeners;              // guarded by mtx
  std::unordered_set<const signal_info*> attached;  // guarded by mtx
  std::atomic<bool> closed{false};

  bool wants(const signal& s) const;
};

/// The per-signal config in force (immutable once published).
struct resolved_config {
  std::int64_t buffer_size = 16;
  bool disabled = false;
  severity min_severity = severity::debug;
  std::int64_t max_listeners = 0;
  drop_policy policy = drop_policy::block;
  double rate_limit = 0;
  double burst = 1;
};

/// One entry of a signal's queue: an event, or a listener change ordered with the events.
struct queue_item {
  enum class kind : std::uint8_t { event, attach, detach };
  kind k = kind::event;
  capitan::event ev;
  listener_ptr l;
};

/// One spin-wait hint to the CPU (a yield where there is none).
inline void cpu_pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

/// Waits a little while spinning (32 hints, about a microsecond on x86): not a yield, which
/// on a loaded machine can give away a whole time slice.
inline void cpu_relax() {
  for (int i = 0; i < 32; ++i)
    cpu_pause();
}

/// A mutex for critical sections of a few dozen instructions that two cores take in turn
/// (an emitter per event, the topic actor per batch). A waiter spins on a plain read for a
/// while before it sleeps in the kernel: std::mutex sleeps at the first collision, and then
/// the holder's unlock pays a system call to wake it, which costs far more than the wait.
class queue_mutex {
public:
  void lock() {
    int expected = 0;
    if (!state_.compare_exchange_strong(expected, 1, std::memory_order_acquire))
      lock_contended();
  }
  bool try_lock() {
    int expected = 0;
    return state_.compare_exchange_strong(expected, 1, std::memory_order_acquire);
  }
  void unlock() {
    if (state_.exchange(0, std::memory_order_release) == 2)
      state_.notify_one();
  }

private:
  void lock_contended();
  // 0: free, 1: locked, 2: locked and someone may sleep on it.
  std::atomic<int> state_{0};
};

/// Takes the block of an event that emit made, cleared for the next emit, when nobody else
/// holds it; null otherwise. Leaves `e` empty.
std::shared_ptr<event::data> reusable_block(event& e);

struct signal_state {
  explicit signal_state(signal s, std::uint64_t registry_id) : sig(s), registry_id(registry_id) {}

  // The members are grouped by who writes them, each group on its own cache lines: emitters
  // and the topic actor run on different cores, and a counter one side bumps per event must
  // not drag the other side's lines along with it.

  // Read on every emit, rarely written.
  capitan::signal sig;
  std::uint64_t registry_id;
  std::atomic<const resolved_config*> cfg{nullptr};
  std::atomic<std::uint64_t> listener_count{0};
  std::atomic<bool> has_topic{false};
  std::atomic<int> waiters{0};  // emitters waiting for room (spinning or asleep)
  std::atomic<int> sleepers{0}; // of those, the ones asleep on `cv`
  /// Current listeners (copy-on-write; readers load without a lock). Replaced vectors are
  /// retired, not freed, until the signal dies: a reader may still iterate one.
  std::atomic<const std::vector<listener_ptr>*> list{nullptr};
  std::atomic<std::uint64_t> schema_signature{0}; // names hash of the last recorded set
  std::array<std::atomic<std::uint64_t>, drop_reason_count> drops{};

  // Written by emitters on every emit: the queue (guarded by q_mtx; lock order: mtx before
  // q_mtx) and the emit counter.
  alignas(64) queue_mutex q_mtx;
  std::atomic<std::uint64_t> emitted{0};
  std::vector<queue_item> pending;
  std::int64_t pending_events = 0;
  /// Mirror of `pending.size() > 0`, readable without the lock (spinning waiters poll it).
  std::atomic<std::int64_t> pending_items{0};
  bool scheduled = false; // a wake message is in flight or the topic actor is draining
  /// Event blocks the topic actor delivered and nobody kept, cleared, for emitters to fill
  /// again (guarded by q_mtx): an emit then allocates nothing that another thread frees, and
  /// glibc's per-thread caches serve both sides. The topic actor hands them over and an
  /// emitter takes them by swapping whole vectors, never block by block under the lock (a
  /// long hold there put the emitter to sleep in the kernel). At most `max_spares`: as many
  /// as a queue of 1024 holds, so a busy signal with a deep queue allocates none.
  std::vector<std::shared_ptr<event::data>> spares;
  static constexpr std::size_t max_spares = 1024;
  std::condition_variable_any cv; // blocked emitters wait here, with q_mtx

  // Written by the topic actor per event or batch.
  /// Events the topic actor took out of `pending` but has not started delivering yet; the
  /// queue bound counts them too (depth = pending_events + batch_remaining). Only the topic
  /// actor writes it.
  alignas(64) std::atomic<std::int64_t> batch_remaining{0};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> hook_errors{0};
  /// Blocks recycled by the topic actor and not handed over yet (topic actor only; at most
  /// `max_spares`, the rest are freed).
  std::vector<std::shared_ptr<event::data>> recycled;

  /// Keeps the block of a delivered event `e` for reuse when nobody else holds it (topic actor).
  void recycle(event& e);
  /// Hands the recycled blocks over when the emitters took the last ones (caller holds q_mtx;
  /// topic actor).
  void give_back_spares();

  alignas(64) std::mutex mtx; // guards everything below
  std::vector<std::unique_ptr<const std::vector<listener_ptr>>> lists; // owns `list` and retired
  topic_actor topic;
  std::map<std::string, std::string> schema;
  double tokens = 0;
  armada::clock::time_point last_refill{};
  bool bucket_started = false;

  void count_drop(drop_reason r) {
    drops[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  }

  /// Queued events (waiting, not in the hooks). Caller holds q_mtx.
  std::int64_t depth_locked() const { return pending_events + batch_remaining.load(); }

  /// An unlocked estimate of `depth_locked` for spinning emitters.
  std::int64_t depth_estimate() const { return pending_items.load(std::memory_order_relaxed) + batch_remaining.load(std::memory_order_relaxed); }

  /// Wakes emitters blocked on this signal (space, teardown, shutdown, new config).
  void wake_waiters() {
    std::lock_guard guard{q_mtx};
    cv.notify_all();
  }

  /// Replaces the listener list (caller holds mtx).
  void publish_list(std::vector<listener_ptr> next) {
    lists.push_back(std::make_unique<const std::vector<listener_ptr>>(std::move(next)));
    list.store(lists.back().get(), std::memory_order_release);
  }

  const std::vector<listener_ptr>& current_list() const {
    return *list.load(std::memory_order_acquire);
  }

  /// Records the keys of `e` in the schema when their names differ from the last recorded set.
  void record_schema(const event& e);

  signal_stats snapshot();
};

class registry : public std::enable_shared_from_this<registry> {
public:
  registry(caf::actor_system& sys, instance_options opts);

  signal_state* find(const signal& s) const;
  signal_state& get_or_create(const signal& s);
  std::vector<signal_state*> all() const;

  /// Adds a listener to a signal (ordered by id); throws std::length_error at max_listeners.
  void attach(signal_state& st, const listener_ptr& l);
  /// Removes a listener: no new deliveries, queued ones still happen (topic detaches in order).
  void detach(const listener_ptr& l);

  /// The topic actor of `st`, spawned on first use; null once shut down. The handle is set
  /// once and never changes: emitters use it without copying (a copy would touch the actor's
  /// reference count, which the scheduler writes too).
  const topic_actor* ensure_topic(signal_state& st);
  /// Appends a listener change to the signal's queue (caller holds st.mtx; topic exists).
  void enqueue_control(signal_state& st, queue_item item);
  /// Processes up to `max_batches` batches of `st`'s queue on the calling (topic actor)
  /// thread. Returns true when work is left (the caller wakes itself again: fairness).
  /// `batch` is the caller's scratch vector (kept between calls so the swapped-in queue keeps
  /// its capacity).
  bool flush(signal_state& st, std::vector<listener_ptr>& listeners,
             std::vector<queue_item>& batch, int max_batches);
  /// Waits until everything queued for `st` so far was delivered.
  void drain_signal(signal_state& st);
  void attach_observer(const std::shared_ptr<observer_impl>& obs, signal_state& st);
  const resolved_config* resolve(const signal& s);
  bool take_token(signal_state& st, const resolved_config& cfg);

  /// Calls the listeners of `list` with `e` on the calling thread; reports the hooks called
  /// and failed.
  delivery deliver(signal_state& st, const std::vector<listener_ptr>& list, const event& e);

  capitan::instance_stats snapshot() const;

  caf::actor_system& sys;
  instance_options opts;
  bool deterministic = false;
  std::shared_ptr<armada::clock> clock;
  std::atomic<bool> shut_down{false};
  std::uint64_t id; // unique per registry in this process (thread-local lookup caches)
  std::atomic<std::uint64_t> next_id{1};
  std::mutex lifecycle_mtx; // serializes drain/shutdown

  mutable std::shared_mutex map_mtx;
  std::unordered_map<const signal_info*, std::unique_ptr<signal_state>> signals;

  std::mutex cfg_mtx;
  capitan::config cfg;
  std::deque<std::unique_ptr<resolved_config>> configs; // kept alive: emitters read them

  mutable std::mutex obs_mtx;
  std::vector<std::shared_ptr<observer_impl>> observers;

  std::mutex handler_mtx;
  std::shared_ptr<const hook_error_handler> handler;
};

/// True on a thread that is currently running a capitan hook (such a thread never blocks in
/// emit and never drains).
bool in_hook();
void enter_non_blocking();
void leave_non_blocking();

topic_actor spawn_topic(caf::actor_system& sys, std::shared_ptr<registry> reg, signal_state* st,
                        std::vector<listener_ptr> initial);

broker_actor spawn_broker(caf::actor_system& sys, std::shared_ptr<registry> reg);

} // namespace armada::capitan::detail
