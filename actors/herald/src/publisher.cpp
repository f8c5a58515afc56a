#include "armada/herald/publisher.hpp"

#include <nlohmann/json.hpp>

#include "armada/herald/errc.hpp"
#include "armada/herald/signals.hpp"
#include "armada/pipz/apply.hpp"
#include "armada/pipz/backoff.hpp"
#include "armada/pipz/circuit_breaker.hpp"
#include "armada/pipz/fallback.hpp"
#include "armada/pipz/filter.hpp"
#include "armada/pipz/handle.hpp"
#include "armada/pipz/rate_limiter.hpp"
#include "armada/pipz/schema.hpp"
#include "armada/pipz/sequence.hpp"
#include "armada/pipz/timeout.hpp"
#include "armada/pipz/transform.hpp"
#include "armada/runtime/error.hpp"
#include "armada/runtime/uuid.hpp"

namespace armada::herald {

publish_option retry(std::size_t attempts) {
  return [attempts](publish_options& o) { o.attempts = std::max<std::size_t>(1, attempts); };
}
publish_option backoff(std::size_t attempts, std::chrono::milliseconds base, std::chrono::milliseconds max) {
  return [=](publish_options& o) {
    o.attempts = std::max<std::size_t>(1, attempts);
    o.backoff_base = base;
    o.backoff_max = max;
  };
}
publish_option timeout(std::chrono::milliseconds per_attempt) {
  return [per_attempt](publish_options& o) { o.timeout = per_attempt; };
}
publish_option circuit_breaker(std::size_t failures, std::chrono::milliseconds reset) {
  return [=](publish_options& o) {
    o.breaker_failures = std::max<std::size_t>(1, failures);
    o.breaker_reset = reset;
  };
}
publish_option rate_limit(double per_second, std::size_t burst) {
  return [=](publish_options& o) {
    o.rate_limit = per_second;
    o.burst = std::max<std::size_t>(1, burst);
  };
}
publish_option filter(std::function<bool(const message&)> keep) {
  return [keep = std::move(keep)](publish_options& o) { o.filter = keep; };
}
publish_option middleware(std::function<void(message&)> fn) {
  return [fn = std::move(fn)](publish_options& o) { o.middleware.push_back(fn); };
}
publish_option on_error(std::function<void(const message&, const caf::error&)> fn) {
  return [fn = std::move(fn)](publish_options& o) { o.on_error = fn; };
}
publish_option fallback(connection secondary) {
  return [secondary = std::move(secondary)](publish_options& o) { o.fallback = secondary; };
}
publish_option events(capitan::instance& inst) {
  return [&inst](publish_options& o) { o.events = &inst; };
}
publish_option clock(std::shared_ptr<armada::clock> clk) {
  return [clk = std::move(clk)](publish_options& o) { o.clock = clk; };
}

namespace {

/// The exception that carries a herald error through pipz (which speaks exceptions).
struct publish_failed : std::runtime_error {
  explicit publish_failed(caf::error e)
    : std::runtime_error(armada::describe(e)), err(std::move(e)) {}
  caf::error err;
};

pipz::ref<message> publish_to(connection conn, const std::string& name, std::shared_ptr<armada::clock> clk) {
  return std::make_shared<pipz::apply<message>>(
    pipz::identity{name, "publish to " + conn.provider()},
    [conn, clk](pipz::context& ctx, const message& m) -> pipz::outcome<message> {
      // The deadline is on the pipeline's clock (a manual one in tests): measure with it.
      auto left = ctx.deadline == armada::clock::time_point::max()
                    ? std::chrono::milliseconds{30000}
                    : std::chrono::duration_cast<std::chrono::milliseconds>(ctx.deadline - clk->now());
      if (left.count() <= 0)
        return pipz::fail(publish_failed{make_error(errc::timeout, "publish of " + m.id + " to '"
                                                                     + m.topic + "' ran out of time")});
      auto r = conn.publish(m, left);
      if (!r)
        return pipz::fail(publish_failed{r.error()});
      auto out = m;
      out.broker = r->broker;
      return out;
    });
}

} // namespace

raw_publisher::raw_publisher(connection conn, std::string topic, publish_options opts)
  : conn_(std::move(conn)), topic_(std::move(topic)), opts_(std::move(opts)) {
  auto clk = opts_.clock ? opts_.clock : std::static_pointer_cast<armada::clock>(real_clock::shared());
  // Built inside out: publish ← timeout ← retry ← breaker ← limiter ← fallback ← …
  pipz::ref<message> node = publish_to(conn_, "publish", clk);
  node = std::make_shared<pipz::timeout<message>>(
    pipz::identity{"timeout"}, node, opts_.timeout, pipz::timeout_options{clk, opts_.events});
  if (opts_.attempts > 1)
    node = std::make_shared<pipz::backoff<message>>(
      pipz::identity{"retry"}, node,
      pipz::backoff_options{opts_.attempts, opts_.backoff_base, 2.0, opts_.backoff_max,
                            opts_.backoff_base.count() > 0 ? opts_.backoff_jitter : 0.0, clk, opts_.events});
  if (opts_.breaker_failures)
    node = std::make_shared<pipz::circuit_breaker<message>>(
      pipz::identity{"circuit_breaker"}, node,
      pipz::circuit_breaker_options{*opts_.breaker_failures, opts_.breaker_reset, 1, 1, clk, opts_.events});
  if (opts_.rate_limit)
    node = std::make_shared<pipz::rate_limiter<message>>(
      pipz::identity{"rate_limit"}, node,
      pipz::rate_limiter_options{*opts_.rate_limit, opts_.burst, pipz::limiter_mode::wait, clk, opts_.events});
  if (opts_.fallback.valid())
    node = std::make_shared<pipz::fallback<message>>(
      pipz::identity{"fallback"}, std::vector<pipz::ref<message>>{node, publish_to(opts_.fallback, "publish_fallback", clk)});
  std::vector<pipz::ref<message>> steps;
  for (std::size_t i = 0; i < opts_.middleware.size(); ++i) {
    auto fn = opts_.middleware[i];
    steps.push_back(std::make_shared<pipz::transform<message>>(
      pipz::identity{"middleware_" + std::to_string(i)},
      [fn](pipz::context&, const message& in) {
        auto m = in;
        fn(m);
        return m;
      }));
  }
  steps.push_back(node);
  node = std::make_shared<pipz::sequence<message>>(pipz::identity{"publisher", topic_}, steps);
  pipeline_ = node;
}

caf::expected<publish_receipt> raw_publisher::publish(message m) const {
  if (m.id.empty())
    m.id = armada::uuid::random().to_string();
  if (m.topic.empty())
    m.topic = topic_;
  if (m.published == std::chrono::system_clock::time_point{})
    m.published = std::chrono::system_clock::now();
  if (opts_.filter && !opts_.filter(m))
    return publish_receipt{m.id, {}};
  pipz::context ctx;
  auto r = pipeline_->process(ctx, m);
  if (r.ok())
    return publish_receipt{r.value().id, r.value().broker};
  caf::error err;
  try {
    std::rethrow_exception(r.error().cause());
  } catch (const publish_failed& pf) {
    err = pf.err;
  } catch (const std::exception& ex) {
    auto code = r.error().timed_out() ? errc::timeout : errc::transport;
    if (std::string_view{ex.what()}.find("circuit") != std::string_view::npos)
      code = errc::circuit_open;
    err = make_error(code, "publish of " + m.id + " to '" + topic_ + "' failed: " + r.error().text());
  } catch (...) {
    err = make_error(errc::transport, "publish of " + m.id + " to '" + topic_ + "' failed: " + r.error().text());
  }
  if (opts_.on_error)
    opts_.on_error(m, err);
  if (opts_.events)
    opts_.events->error(signals::error, signals::code(std::string{to_string(code_of(err))}),
                        signals::operation("publish"), signals::topic(topic_),
                        signals::message_id(m.id), signals::detail(armada::describe(err)));
  return err;
}

std::string raw_publisher::schema_json() const {
  nlohmann::json j;
  pipz::to_json(j, pipeline_->schema());
  return j.dump();
}

} // namespace armada::herald
