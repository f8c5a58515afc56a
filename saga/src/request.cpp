#include "armada/ago/request.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

#include "armada/ago/errc.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"

namespace armada::ago {

namespace {

struct route {
  reply_callback done;
  armada::clock::timer_id timer = 0;
};

using route_key = std::pair<const void*, std::string>;

caf::error emit_failure(const capitan::signal& s, const capitan::emit_result& r) {
  if (r.dropped && *r.dropped == capitan::drop_reason::no_listener)
    return make_error(errc::step_failed, "the request on '" + s.name() + "' was not sent: nothing listens to it "
                                             "in this process; start its responder (ago::respond) or bridge the "
                                             "signal to the responding service with herald::bridge_out");
  return make_error(errc::closed, "the request on '" + s.name() + "' was not sent: capitan dropped it ("
                                      + std::string{r.dropped ? capitan::to_string(*r.dropped) : "unknown"}
                                      + "); check the signal's queue configuration and that the instance is running");
}

} // namespace

struct requester::impl {
  std::mutex mtx;
  std::unordered_map<const void*, capitan::listener> hooks;
  std::map<route_key, route> routes;
  std::atomic<std::uint64_t> ignored{0};
  bool closed = false;
  std::shared_ptr<armada::clock> clock;

  /// Takes the route of `key` (and cancels its timer), or an empty callback.
  reply_callback take(const route_key& key) {
    std::lock_guard guard{mtx};
    auto i = routes.find(key);
    if (i == routes.end())
      return {};
    auto done = std::move(i->second.done);
    if (i->second.timer != 0)
      clock->cancel(i->second.timer);
    routes.erase(i);
    return done;
  }
};

requester::requester(capitan::instance& events, std::shared_ptr<armada::clock> clock)
  : events_(events), clock_(clock ? std::move(clock) : armada::real_clock::shared()), impl_(std::make_shared<impl>()) {
  impl_->clock = clock_;
}

requester::~requester() {
  std::unordered_map<const void*, capitan::listener> hooks;
  std::map<route_key, route> routes;
  {
    std::lock_guard guard{impl_->mtx};
    impl_->closed = true;
    hooks.swap(impl_->hooks);
    routes.swap(impl_->routes);
  }
  for (auto& [sig, l] : hooks)
    l.close();
  for (auto& [key, r] : routes) {
    if (r.timer != 0)
      clock_->cancel(r.timer);
    r.done(make_error(errc::closed, "the requester waiting for this reply was destroyed"));
  }
}

std::string requester::new_correlation() {
  return armada::uuid::random().to_string();
}

void requester::request(const capitan::signal& command, const capitan::signal& reply, std::string correlation,
                        std::vector<capitan::field> fields, std::chrono::nanoseconds timeout, reply_callback done,
                        std::string trace_id) {
  // Subscribe before send: the reply hook exists before the command leaves.
  bool hooked;
  {
    std::lock_guard guard{impl_->mtx};
    if (impl_->closed) {
      done(make_error(errc::closed, "the requester is closed"));
      return;
    }
    hooked = impl_->hooks.contains(reply.id());
  }
  if (!hooked) {
    std::weak_ptr<impl> weak = impl_;
    auto sig = reply.id();
    auto l = events_.hook(reply, [weak, sig](const capitan::event& e) {
      auto self = weak.lock();
      if (!self)
        return;
      auto done = self->take({sig, e.correlation_id()});
      if (!done) {
        ++self->ignored; // late, duplicate or someone else's
        return;
      }
      if (auto err = reply_failure(e))
        done(std::move(err));
      else
        done(e);
    });
    std::lock_guard guard{impl_->mtx};
    if (!impl_->hooks.emplace(reply.id(), l).second)
      l.close(); // another request hooked it meanwhile
  }
  route_key key{reply.id(), correlation};
  {
    std::lock_guard guard{impl_->mtx};
    auto& r = impl_->routes[key];
    if (r.timer != 0)
      clock_->cancel(r.timer);
    r.done = std::move(done);
    r.timer = 0;
    if (timeout.count() > 0) {
      std::weak_ptr<impl> weak = impl_;
      auto name = command.name();
      r.timer = clock_->schedule(clock_->now() + std::chrono::duration_cast<armada::clock::duration>(timeout),
                                 [weak, key, name, timeout] {
                                   auto self = weak.lock();
                                   if (!self)
                                     return;
                                   std::unique_lock lock{self->mtx};
                                   auto i = self->routes.find(key);
                                   if (i == self->routes.end())
                                     return;
                                   auto cb = std::move(i->second.done);
                                   self->routes.erase(i);
                                   lock.unlock();
                                   cb(make_error(errc::timeout,
                                                 "no reply to '" + name + "' within "
                                                     + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count())
                                                     + " ms; is a responder running and bridged to this service?"));
                                 });
    }
  }
  capitan::context ctx;
  ctx.correlation_id = correlation;
  ctx.trace_id = std::move(trace_id);
  auto sent = events_.emit_with(std::make_shared<const capitan::context>(std::move(ctx)), command,
                                capitan::severity::info, std::move(fields));
  if (!sent)
    if (auto cb = impl_->take(key))
      cb(emit_failure(command, sent));
}

void requester::cancel(const capitan::signal& reply, const std::string& correlation) {
  impl_->take({reply.id(), correlation});
}

std::uint64_t requester::ignored() const {
  return impl_->ignored.load();
}

std::size_t requester::waiting() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->routes.size();
}

std::future<caf::expected<capitan::event>> request(requester& r, const capitan::signal& command,
                                                   const capitan::signal& reply, std::vector<capitan::field> fields,
                                                   std::chrono::nanoseconds timeout) {
  auto promise = std::make_shared<std::promise<caf::expected<capitan::event>>>();
  auto result = promise->get_future();
  r.request(command, reply, requester::new_correlation(), std::move(fields), timeout,
            [promise](caf::expected<capitan::event> e) { promise->set_value(std::move(e)); });
  return result;
}

std::future<caf::expected<capitan::event>> await(capitan::instance& events, const capitan::signal& s,
                                                 std::function<bool(const capitan::event&)> pred,
                                                 std::chrono::nanoseconds timeout, std::shared_ptr<armada::clock> clock) {
  struct waiter {
    std::promise<caf::expected<capitan::event>> promise;
    std::atomic<bool> done{false};
    std::mutex mtx;
    capitan::listener hook;
    armada::clock::timer_id timer = 0;
    void close() {
      capitan::listener l;
      {
        std::lock_guard guard{mtx};
        l = std::move(hook);
        hook = {}; // the hook's callback holds this waiter: drop the handle, or neither is freed
      }
      l.close();
    }
  };
  if (!clock)
    clock = armada::real_clock::shared();
  auto w = std::make_shared<waiter>();
  auto result = w->promise.get_future();
  if (timeout.count() > 0) {
    auto name = s.name();
    w->timer = clock->schedule(clock->now() + std::chrono::duration_cast<armada::clock::duration>(timeout), [w, name, timeout] {
      if (w->done.exchange(true))
        return;
      w->promise.set_value(make_error(errc::timeout, "no event on '" + name + "' matched within "
                                                         + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count())
                                                         + " ms"));
      w->close();
    });
  }
  auto l = events.hook(s, [w, pred = std::move(pred), clock](const capitan::event& e) {
    if (w->done.load() || (pred && !pred(e)))
      return;
    if (w->done.exchange(true))
      return;
    if (w->timer != 0)
      clock->cancel(w->timer);
    w->promise.set_value(e);
    w->close();
  });
  {
    std::lock_guard guard{w->mtx};
    w->hook = l;
  }
  if (w->done.load())
    w->close(); // it fired before the hook handle was stored
  return result;
}

capitan::listener respond(capitan::instance& events, const capitan::signal& command, const capitan::signal& reply,
                          responder_fn handler) {
  return events.hook(command, [&events, reply, handler = std::move(handler)](const capitan::event& e) {
    caf::expected<std::vector<capitan::field>> out{std::vector<capitan::field>{}};
    try {
      out = handler(e);
    } catch (const std::exception& ex) {
      out = make_error(errc::step_failed, ex.what());
    } catch (...) {
      out = make_error(errc::step_failed, "the responder threw a non-standard exception");
    }
    std::vector<capitan::field> fields;
    if (out) {
      fields = std::move(*out);
    } else {
      auto code = out.error().category() == error_category ? std::string{to_string(static_cast<errc>(out.error().code()))}
                                                           : std::string{"remote"};
      fields.push_back(reply_error(capitan::error_value{std::move(code), describe(out.error())}));
    }
    capitan::context ctx;
    ctx.correlation_id = e.correlation_id();
    ctx.trace_id = e.trace_id();
    events.emit_with(std::make_shared<const capitan::context>(std::move(ctx)), reply, capitan::severity::info,
                     std::move(fields));
  });
}

caf::error reply_failure(const capitan::event& reply) {
  auto err = reply_error.from(reply);
  if (!err)
    return {};
  return make_error(errc::step_failed, "'" + reply.signal().name() + "' reported " + err->code + ": " + err->message);
}

namespace detail {
caf::error missing_reply_field(const capitan::event& reply, const std::string& field) {
  return make_error(errc::codec, "the reply '" + reply.signal().name() + "' has no field '" + field
                                     + "' of the expected type; check the responder's fields");
}
} // namespace detail

} // namespace armada::ago
