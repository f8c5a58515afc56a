// start_options::durable: `start` returns only after the saga's first record is in the log.
// A store whose writes wait at a gate (as a slow disk or a remote Redis would) shows the
// difference: a plain start returns with nothing in the log yet, a durable one does not return
// before the log has the saga.

#include <condition_variable>
#include <deque>
#include <thread>

#include "fixture.hpp"

using namespace ago_test;

namespace {

/// A store in front of the memory store whose writes complete only once the gate is open.
class gated_store final : public ago::saga_store {
public:
  explicit gated_store(std::shared_ptr<ago::saga_store> inner) : inner_(std::move(inner)) {
    worker_ = std::thread{[this] { run(); }};
  }
  ~gated_store() override {
    {
      std::lock_guard guard{mtx_};
      stop_ = true;
      open_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  void open() {
    std::lock_guard guard{mtx_};
    open_ = true;
    cv_.notify_all();
  }
  std::size_t held() const {
    std::lock_guard guard{mtx_};
    return queue_.size();
  }

  void write(ago::saga_record rec, done_fn done) override {
    std::lock_guard guard{mtx_};
    queue_.emplace_back(std::move(rec), std::move(done));
    cv_.notify_all();
  }
  caf::expected<std::optional<ago::saga_record>> load(const std::string& id) override { return inner_->load(id); }
  caf::expected<std::vector<ago::saga_record>> list(std::optional<ago::saga_state> s) override { return inner_->list(s); }
  caf::expected<std::vector<ago::saga_record>> recoverable(const std::string& owner, std::int64_t now) override {
    return inner_->recoverable(owner, now);
  }
  caf::expected<std::optional<ago::saga_record>> acquire(const std::string& id, const std::string& owner,
                                                         std::int64_t now, std::int64_t until) override {
    return inner_->acquire(id, owner, now, until);
  }
  caf::error renew(const std::string& owner, const std::vector<std::string>& ids, std::int64_t until) override {
    return inner_->renew(owner, ids, until);
  }
  ago::store_stats stats() const override { return inner_->stats(); }
  std::string describe() const override { return "gated " + inner_->describe(); }

private:
  void run() {
    std::unique_lock lock{mtx_};
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || (open_ && !queue_.empty()); });
      if (queue_.empty() && stop_)
        return;
      auto [rec, done] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      inner_->write(std::move(rec), std::move(done));
      lock.lock();
    }
  }

  std::shared_ptr<ago::saga_store> inner_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::pair<ago::saga_record, done_fn>> queue_;
  bool open_ = false;
  bool stop_ = false;
  std::thread worker_;
};

ago::saga<order> one_step(journal& j) {
  ago::saga<order> s{"order"};
  s.step("reserve_inventory", doing(j, "reserve_inventory"), undoing(j, "reserve_inventory"));
  return s;
}

} // namespace

TEST_F(ago_fixture, a_plain_start_returns_before_the_first_write_is_in_the_log) {
  auto gated = std::make_shared<gated_store>(store);
  ago::engine eng{rt->system(), gated, options()};
  eng.add(one_step(j));
  auto id = eng.start<order>("order", order{"o-1", 5}, {.id = "o-1"});
  ASSERT_TRUE(id) << describe(id.error());
  auto rec = store->load("o-1");
  ASSERT_TRUE(rec);
  EXPECT_FALSE(*rec); // nothing in the log yet: a crash now would lose the start
  gated->open();
  auto out = eng.wait(*id, 10s);
  ASSERT_TRUE(out) << describe(out.error());
  EXPECT_EQ(out->state, ago::saga_state::completed);
}

TEST_F(ago_fixture, a_durable_start_returns_only_once_the_saga_is_in_the_log) {
  auto gated = std::make_shared<gated_store>(store);
  ago::engine eng{rt->system(), gated, options()};
  eng.add(one_step(j));
  std::atomic<bool> returned{false};
  std::thread starter{[&] {
    auto id = eng.start<order>("order", order{"o-2", 7}, {.id = "o-2", .durable = true});
    EXPECT_TRUE(id) << describe(id.error());
    returned = true;
  }};
  // The first write waits at the gate, and so does start.
  ASSERT_TRUE(armada::testing::wait_until([&] { return gated->held() == 1; }, 10s));
  EXPECT_FALSE(returned.load());
  gated->open();
  starter.join();
  auto rec = store->load("o-2");
  ASSERT_TRUE(rec && *rec);
  auto data = ago::codec<order>::decode((*rec)->data);
  ASSERT_TRUE(data) << "the first record carries the saga's data";
  EXPECT_EQ(data->amount, 7);
  EXPECT_EQ((*rec)->owner, eng.owner());
  auto out = eng.wait("o-2", 10s);
  ASSERT_TRUE(out) << describe(out.error());
  EXPECT_EQ(out->state, ago::saga_state::completed);
  EXPECT_EQ(j.entries(), (std::vector<std::string>{"do:reserve_inventory"}));
}

TEST_F(ago_fixture, a_durable_start_whose_first_write_fails_starts_nothing_and_says_why) {
  class refusing_store final : public ago::saga_store {
  public:
    void write(ago::saga_record, done_fn done) override {
      done(ago::make_error(ago::errc::store, "the disk is full; free space under /var/lib/sagas"));
    }
    caf::expected<std::optional<ago::saga_record>> load(const std::string&) override {
      return std::optional<ago::saga_record>{};
    }
    caf::expected<std::vector<ago::saga_record>> list(std::optional<ago::saga_state>) override {
      return std::vector<ago::saga_record>{};
    }
    caf::expected<std::vector<ago::saga_record>> recoverable(const std::string&, std::int64_t) override {
      return std::vector<ago::saga_record>{};
    }
    caf::expected<std::optional<ago::saga_record>> acquire(const std::string&, const std::string&, std::int64_t,
                                                           std::int64_t) override {
      return std::optional<ago::saga_record>{};
    }
    caf::error renew(const std::string&, const std::vector<std::string>&, std::int64_t) override { return {}; }
    ago::store_stats stats() const override { return {}; }
    std::string describe() const override { return "refusing"; }
  };
  ago::engine eng{rt->system(), std::make_shared<refusing_store>(), options()};
  eng.add(one_step(j));
  auto id = eng.start<order>("order", order{"o-3", 1}, {.durable = true});
  ASSERT_FALSE(id);
  EXPECT_NE(describe(id.error()).find("the disk is full"), std::string::npos) << describe(id.error());
  EXPECT_EQ(eng.active(), 0u);
  EXPECT_TRUE(j.entries().empty());
}
