#include "armada/herald/connection.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "armada/herald/errc.hpp"
#include "subscription_actor.hpp"

namespace armada::herald {

namespace {

struct connection_actor_state {
  std::shared_ptr<driver> drv;
  connection_state st;
  std::vector<subscription_actor> subscriptions;
  static inline const char* name = "herald.connection";
};

using connection_pointer = connection_actor::stateful_pointer<connection_actor_state>;

caf::error closed_error(const connection_actor_state& s) {
  return make_error(errc::closed, s.st.provider + " provider: the connection to " + s.st.url
                                    + " is closed; connect again");
}

void shut(connection_pointer self) {
  auto& s = self->state;
  if (s.st.closed)
    return;
  s.st.closed = true;
  for (auto& sub : s.subscriptions)
    self->send_exit(sub, caf::exit_reason::user_shutdown);
  s.subscriptions.clear();
  s.drv->close();
}

connection_actor::behavior_type connection_behavior(connection_pointer self,
                                                    std::shared_ptr<driver> drv, std::string url) {
  self->state.drv = std::move(drv);
  self->state.st.provider = self->state.drv->provider();
  self->state.st.url = std::move(url);
  // Runs after the state is gone: hold the driver itself (close is idempotent).
  self->attach_functor([drv = self->state.drv] { drv->close(); });
  return {
    [=](publish_atom, message& m) -> caf::result<publish_receipt> {
      auto& s = self->state;
      if (s.st.closed)
        return closed_error(s);
      auto start = std::chrono::steady_clock::now();
      auto r = s.drv->publish(m);
      if (!r) {
        ++s.st.publish_failed;
        return r.error();
      }
      ++s.st.published;
      s.st.publish_latency.add(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
      return std::move(*r);
    },
    [=](publish_batch_atom, std::vector<message>& ms) -> caf::result<std::vector<publish_receipt>> {
      auto& s = self->state;
      if (s.st.closed)
        return closed_error(s);
      auto r = s.drv->publish_batch(ms);
      if (!r) {
        s.st.publish_failed += ms.size();
        return r.error();
      }
      s.st.published += r->size();
      return std::move(*r);
    },
    [=](subscribe_atom, std::string& topic, subscribe_options& opts,
        delivery_sink& sink) -> caf::result<subscription_actor> {
      auto& s = self->state;
      if (s.st.closed)
        return closed_error(s);
      auto sub = s.drv->subscribe(topic, opts);
      if (!sub)
        return sub.error();
      auto handle = spawn_subscription(self->system(), std::move(*sub), topic, opts, sink);
      s.subscriptions.push_back(handle);
      ++s.st.subscriptions;
      return handle;
    },
    [=](ping_atom) -> caf::result<caf::timespan> {
      auto& s = self->state;
      if (s.st.closed)
        return closed_error(s);
      auto r = s.drv->ping();
      if (!r)
        return r.error();
      return caf::timespan{*r};
    },
    [=](close_atom) {
      shut(self);
      return true;
    },
    [=](get_state_atom) { return self->state.st; },
  };
}

template <class T>
caf::expected<T> blocking_request(caf::actor_system& sys, const connection_actor& actor,
                                  std::chrono::milliseconds timeout, auto... args) {
  caf::scoped_actor self{sys};
  caf::expected<T> result{caf::error{}};
  self->request(actor, caf::timespan{timeout}, std::move(args)...) // moved in: a batch is not copied
    .receive([&](T& x) { result = std::move(x); }, [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace

connection::connection(caf::actor_system& sys, connection_actor actor, std::string provider,
                       herald::features features)
  : sys_(&sys), actor_(std::move(actor)), provider_(std::move(provider)), features_(features) {
}

caf::expected<publish_receipt> connection::publish(message m, std::chrono::milliseconds timeout) const {
  return blocking_request<publish_receipt>(*sys_, actor_, timeout, publish_atom::value, std::move(m));
}

caf::expected<std::vector<publish_receipt>>
connection::publish_batch(std::vector<message> ms, std::chrono::milliseconds timeout) const {
  return blocking_request<std::vector<publish_receipt>>(*sys_, actor_, timeout,
                                                        publish_batch_atom::value, std::move(ms));
}

caf::expected<std::chrono::nanoseconds> connection::ping(std::chrono::milliseconds timeout) const {
  auto r = blocking_request<caf::timespan>(*sys_, actor_, timeout, ping_atom::value);
  if (!r)
    return r.error();
  return std::chrono::nanoseconds{*r};
}

void connection::close() const {
  if (!valid())
    return;
  (void)blocking_request<bool>(*sys_, actor_, std::chrono::seconds{30}, close_atom::value);
}

caf::expected<connection_state> connection::state() const {
  return blocking_request<connection_state>(*sys_, actor_, std::chrono::seconds{10}, get_state_atom::value);
}

connection connect(caf::actor_system& sys, std::shared_ptr<driver> drv, std::string url) {
  auto provider = drv->provider();
  auto features = drv->features();
  auto actor = sys.spawn<caf::detached>(connection_behavior, std::move(drv), std::move(url));
  return connection{sys, std::move(actor), std::move(provider), features};
}

} // namespace armada::herald
