#include "armada/herald/embedded.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

#include "armada/herald/errc.hpp"
#include "armada/runtime/uuid.hpp"
#include "embedded_store.hpp"

namespace armada::herald::embedded {

namespace {

using namespace std::chrono_literals;

caf::error closed_error() {
  return make_error(errc::closed, "embedded provider: the connection is closed; connect again");
}

/// A random id per subscription, unique across the processes sharing a file (0 means nobody).
std::uint64_t new_holder() {
  std::uint64_t id = 0;
  while (id == 0) {
    auto bytes = uuid::random().bytes();
    std::memcpy(&id, bytes.data(), sizeof id);
  }
  return id;
}

class embedded_subscription final : public subscription_driver {
public:
  embedded_subscription(std::shared_ptr<embedded_store> store, group_handle g, std::chrono::milliseconds poll)
    : store_(std::move(store)), group_(std::move(g)), poll_(poll), holder_(new_holder()) {}

  ~embedded_subscription() override { close(); }

  caf::expected<std::vector<message>> fetch(std::size_t max, std::chrono::milliseconds wait) override {
    if (closed_)
      return make_error(errc::closed, "embedded provider: the subscription to '" + group_.topic + "' is closed");
    using clock = lmdb_env::clock_type;
    auto& env = store_->env();
    auto deadline = clock::now() + wait;
    for (;;) {
      if (closed_)
        return std::vector<message>{};
      auto seen = env.generation(); // before looking: a later commit cuts the wait short
      auto now = wall_ms();
      auto look = store_->outlook(group_, now);
      if (!look)
        return look.error();
      if (look->ready) {
        auto got = store_->take(group_, holder_, std::max<std::size_t>(max, 1), now);
        if (got && !got->empty() && closed_) {
          (void)store_->release(group_, holder_, wall_ms()); // closed meanwhile from another thread
          return std::vector<message>{};
        }
        if (!got || !got->empty())
          return got;
        continue; // another subscriber of the group was quicker
      }
      auto steady_now = clock::now();
      if (steady_now >= deadline)
        return std::vector<message>{};
      // In this process a commit wakes us; other processes' commits are seen by polling.
      auto until = std::min(deadline, steady_now + poll_);
      if (look->next_due_ms >= 0)
        until = std::min(until, steady_now + std::chrono::milliseconds{std::max<std::int64_t>(0, look->next_due_ms - now)});
      env.wait(seen, until, closed_);
    }
  }

  caf::error ack(const message& m) override {
    auto seq = sequence_of(m);
    if (!seq)
      return not_ours(m);
    return store_->ack(group_, {*seq});
  }

  caf::error ack_batch(const std::vector<message>& ms) override {
    std::vector<std::uint64_t> seqs;
    seqs.reserve(ms.size());
    for (auto& m : ms) {
      auto seq = sequence_of(m);
      if (!seq)
        return not_ours(m);
      seqs.push_back(*seq);
    }
    return store_->ack(group_, seqs);
  }

  caf::error nack(const message& m, std::chrono::milliseconds delay) override {
    auto seq = sequence_of(m);
    if (!seq)
      return not_ours(m);
    return store_->nack(group_, holder_, *seq, wall_ms() + delay.count());
  }

  void close() override {
    if (closed_.exchange(true))
      return;
    (void)store_->release(group_, holder_, wall_ms()); // a failure leaves them to lease expiry
    store_->env().notify();                             // ends a fetch waiting on another thread
  }

private:
  caf::error not_ours(const message& m) const {
    return make_error(errc::ack, "embedded provider: message " + m.id + " has no position of topic '" + group_.topic
                                   + "' (broker '" + m.broker + "'); ack and nack take the delivered message");
  }

  std::shared_ptr<embedded_store> store_;
  group_handle group_;
  std::chrono::milliseconds poll_;
  std::uint64_t holder_;
  std::atomic<bool> closed_{false};
};

class embedded_driver final : public driver {
public:
  embedded_driver(std::shared_ptr<embedded_store> store, std::chrono::milliseconds poll)
    : store_(std::move(store)), poll_(poll) {}

  std::string provider() const override { return "embedded"; }

  herald::features features() const override {
    herald::features f;
    f.consumer_groups = true;
    f.guaranteed_order = true; // per group, without nacks
    f.persistent = true;
    f.exactly_once = false;
    f.new_subscriber_receives_old = true;
    f.restartable_server = false; // there is no server
    f.nack_delay = true;
    f.retains_messages = true;
    return f;
  }

  caf::expected<publish_receipt> publish(const message& m) override {
    auto s = store();
    if (!s)
      return closed_error();
    auto r = s->publish(std::vector<message>{m});
    if (!r)
      return r.error();
    return std::move(r->front());
  }

  caf::expected<std::vector<publish_receipt>> publish_batch(const std::vector<message>& ms) override {
    auto s = store();
    if (!s)
      return closed_error();
    return s->publish(ms);
  }

  caf::expected<std::unique_ptr<subscription_driver>>
  subscribe(const std::string& topic, const subscribe_options& opts) override {
    auto s = store();
    if (!s)
      return closed_error();
    auto g = s->join(topic, opts.group);
    if (!g)
      return g.error();
    return std::unique_ptr<subscription_driver>{std::make_unique<embedded_subscription>(s, std::move(*g), poll_)};
  }

  caf::expected<std::chrono::nanoseconds> ping() override {
    auto s = store();
    if (!s)
      return closed_error();
    auto start = std::chrono::steady_clock::now();
    if (auto err = s->touch())
      return err;
    return std::max(std::chrono::nanoseconds{1}, std::chrono::steady_clock::now() - start);
  }

  /// Lets go of the file (it closes once no subscription uses it either).
  void close() override {
    std::shared_ptr<embedded_store> gone;
    std::lock_guard guard{mtx_};
    gone.swap(store_);
  }

private:
  std::shared_ptr<embedded_store> store() {
    std::lock_guard guard{mtx_};
    return store_;
  }

  std::mutex mtx_;
  std::shared_ptr<embedded_store> store_;
  std::chrono::milliseconds poll_;
};

caf::error bad(const std::string& property, const std::string& why) {
  return make_error(errc::config, "embedded provider: property '" + property + "' " + why);
}

} // namespace

const std::vector<property_spec>& property_specs() {
  using k = property_spec::kind;
  static const std::vector<property_spec> specs{
    {"map-size", k::integer, "1073741824",
     "largest size of the file in bytes (LMDB map size; address space, not disk, until used)"},
    {"fsync", k::string, "batch",
     "when commits reach the disk: always (every commit), batch (once per publish call; "
     "subscriber bookkeeping within a second) or never (survives a process crash, not a power loss)"},
    {"retention", k::integer, "100000", "acked messages kept per topic (for groups that join later)"},
    {"retention-age", k::milliseconds, "0", "acked messages older than this are trimmed too; 0: no age limit"},
    {"lease", k::milliseconds, "30000",
     "how long a delivered, unacked message stays invisible to the rest of its group before it is redelivered"},
    {"poll", k::milliseconds, "10", "longest wait before a waiting subscriber looks for other processes' writes"},
  };
  return specs;
}

caf::expected<std::shared_ptr<driver>> make_driver(std::string_view text) {
  auto u = url::parse(text);
  if (!u)
    return u.error();
  if (u->scheme != "embedded")
    return make_error(errc::config, "embedded provider: URL scheme must be 'embedded', got '" + u->scheme
                                      + "' (embedded:///path/to/herald.mdb)");
  auto props = properties::resolve("embedded", *u, property_specs());
  if (!props)
    return props.error();
  env_options env_opts;
  if (u->port != 0)
    return make_error(errc::config, "embedded provider: a file path has no port; write embedded:///path/to/herald.mdb");
  if (u->host.empty())
    env_opts.path = u->path.empty() ? std::string{} : "/" + u->path;
  else
    env_opts.path = u->path.empty() ? u->host : u->host + "/" + u->path;
  auto map_size = props->integer("map-size");
  if (map_size < (std::int64_t{1} << 16))
    return bad("map-size", "must be at least 65536 bytes, got " + props->get("map-size"));
  env_opts.map_size = static_cast<std::size_t>(map_size);
  auto& fsync = props->get("fsync");
  if (fsync == "always")
    env_opts.fsync = fsync_policy::always;
  else if (fsync == "batch")
    env_opts.fsync = fsync_policy::batch;
  else if (fsync == "never")
    env_opts.fsync = fsync_policy::never;
  else
    return bad("fsync", "must be always, batch or never, got '" + fsync + "'");
  store_options store_opts;
  store_opts.retention = props->integer("retention");
  if (store_opts.retention < 0)
    return bad("retention", "must be >= 0 messages, got " + props->get("retention"));
  store_opts.retention_age = props->millis("retention-age");
  store_opts.lease = props->millis("lease");
  if (store_opts.lease.count() <= 0)
    return bad("lease", "must be > 0 ms (a delivered message needs time to be handled)");
  auto poll = props->millis("poll");
  if (poll.count() <= 0)
    return bad("poll", "must be > 0 ms");
  auto env = lmdb_env::open(env_opts);
  if (!env)
    return env.error();
  return std::shared_ptr<driver>{
    std::make_shared<embedded_driver>(std::make_shared<embedded_store>(std::move(*env), store_opts), poll)};
}

caf::expected<connection> connect(caf::actor_system& sys, std::string_view text) {
  auto drv = make_driver(text);
  if (!drv)
    return drv.error();
  auto u = url::parse(text);
  return herald::connect(sys, std::move(*drv), u ? u->text : std::string{text});
}

} // namespace armada::herald::embedded
