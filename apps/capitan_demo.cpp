#include "capitan_demo.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>

#include "armada/capitan.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"

namespace armada::apps {

namespace cap = armada::capitan;

namespace {

const cap::signal order_placed{"order.placed", "a customer placed an order"};
const cap::signal inventory_reserved{"inventory.reserved", "stock was set aside"};
const cap::signal payment_charged{"payment.charged", "the card was charged"};
const cap::signal payment_declined{"payment.declined", "the card was declined"};
const cap::signal order_shipped{"order.shipped", "the parcel left the warehouse"};
const cap::signal audit_trace{"audit.trace", "debug chatter, filtered by config"};
const cap::key<std::string> order_id{"order_id"};
const cap::key<double> amount{"amount"};
const cap::key<std::int32_t> items{"items"};

} // namespace

int run_capitan_demo(const capitan_demo_options& opts, int argc, char** argv) {
  auto rt = runtime::start(argc, argv);
  if (!rt) {
    std::cerr << "armada demo: " << describe(rt.error()) << "\n";
    return 2;
  }
  if (!*rt)
    return 0; // --help
  auto& sys = (*rt)->system();
  cap::instance bus{sys};

  cap::config cfg;
  cfg.set("order.*", {.buffer_size = 64});
  cfg.set("audit.*", {.min_severity = cap::severity::info});
  if (auto err = bus.apply(cfg)) {
    std::cerr << "armada demo: " << describe(err) << "\n";
    return 2;
  }

  std::mutex out;
  auto start = std::chrono::system_clock::now();
  std::atomic<int> shipped{0}, declined{0};

  // The services of the flow, as hooks that emit the next step.
  auto inventory = bus.hook(order_placed, [&](const cap::event& e) {
    bus.emit(inventory_reserved, order_id(*order_id.from(e)), items(*items.from(e)),
             amount(*amount.from(e)));
  });
  std::atomic<int> payments{0};
  auto payment = bus.hook(inventory_reserved, [&](const cap::event& e) {
    auto n = ++payments;
    if (opts.fail_every > 0 && n % opts.fail_every == 0)
      bus.warn(payment_declined, order_id(*order_id.from(e)));
    else
      bus.emit(payment_charged, order_id(*order_id.from(e)), amount(*amount.from(e)));
  });
  auto shipping = bus.hook(payment_charged, [&](const cap::event& e) {
    bus.emit(order_shipped, order_id(*order_id.from(e)));
  });
  auto done = bus.hook(order_shipped, [&](const cap::event&) { ++shipped; });
  auto lost = bus.hook(payment_declined, [&](const cap::event&) { ++declined; });
  auto audit = bus.hook(audit_trace, [](const cap::event&) {});

  // A timeline of every event, from an observer that also sees signals first used later.
  auto timeline = bus.observe([&](const cap::event& e) {
    if (opts.quiet)
      return;
    auto ms = std::chrono::duration<double, std::milli>(e.timestamp() - start).count();
    std::lock_guard guard{out};
    std::printf("%8.2f ms  %-5s %-20s order=%s\n", ms, std::string{cap::to_string(e.level())}.c_str(),
                e.signal().name().c_str(), order_id.from(e).value_or("-").c_str());
  });

  for (int i = 1; i <= opts.orders; ++i) {
    auto id = "A-" + std::to_string(1000 + i);
    bus.emit(order_placed, order_id(id), items(1 + i % 3), amount(19.5 * (1 + i % 4)));
    bus.debug(audit_trace, order_id(id)); // dropped: below the configured min severity
  }
  // The flow is a chain of hooks, each emitting the next step: drain until every order reached
  // an end state (or 30 s passed, which would be a bug).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (shipped + declined < opts.orders && std::chrono::steady_clock::now() < deadline)
    bus.drain();
  bus.drain();

  auto st = bus.stats();
  std::printf("\n%-20s %8s %10s %8s %8s %s\n", "signal", "emitted", "delivered", "dropped",
              "depth", "fields");
  for (auto& s : st.signals) {
    std::string fields;
    for (auto& [k, v] : s.fields)
      fields += k + ":" + v + " ";
    std::printf("%-20s %8llu %10llu %8llu %8lld %s\n", s.name.c_str(),
                static_cast<unsigned long long>(s.emitted), static_cast<unsigned long long>(s.delivered),
                static_cast<unsigned long long>(s.dropped()), static_cast<long long>(s.queue_depth),
                fields.c_str());
  }
  std::printf("\ntopic actors: %llu, observers: %llu, drops by reason:",
              static_cast<unsigned long long>(st.topic_actors), static_cast<unsigned long long>(st.observers));
  for (std::size_t r = 0; r < cap::drop_reason_count; ++r)
    if (auto n = st.dropped(static_cast<cap::drop_reason>(r)))
      std::printf(" %s=%llu", std::string{cap::to_string(static_cast<cap::drop_reason>(r))}.c_str(),
                  static_cast<unsigned long long>(n));
  std::printf("\norders: %d placed, %d shipped, %d declined\n", opts.orders, shipped.load(), declined.load());
  bus.shutdown();

  bool ok = shipped + declined == opts.orders
            && st.delivered(order_placed) == static_cast<std::uint64_t>(opts.orders)
            && st.dropped(audit_trace, cap::drop_reason::severity) == static_cast<std::uint64_t>(opts.orders);
  std::printf("%s\n", ok ? "demo: OK" : "demo: FAILED (the counts do not add up)");
  return ok ? 0 : 1;
}

} // namespace armada::apps
