#include "herald_run.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <vector>

#include "armada/runtime/error.hpp"

namespace armada::bench {

using clk = std::chrono::steady_clock;

double rate(std::size_t n, clk::duration d) {
  return static_cast<double>(n) / std::chrono::duration<double>(d).count();
}

std::vector<std::size_t> size_list(const std::string& list) {
  std::vector<std::size_t> sizes;
  for (std::string rest = list; !rest.empty();) {
    auto comma = rest.find(',');
    sizes.push_back(std::strtoul(rest.substr(0, comma).c_str(), nullptr, 10));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  return sizes;
}


namespace {

/// Publishes n messages of `size` bytes in publish_batch calls of `batch_size`; msgs/s.
double publish_n(herald::connection& conn, const std::string& topic, std::size_t n, std::size_t size,
                 std::size_t batch_size) {
  std::string payload(size, 'x');
  auto start = clk::now();
  for (std::size_t i = 0; i < n;) {
    std::vector<herald::message> batch;
    for (std::size_t j = 0; j < batch_size && i < n; ++j, ++i) {
      herald::message m;
      m.id = std::to_string(i);
      m.key = std::to_string(i % 16); // spread over the partitions (the mock keeps 5 MB per partition)
      m.topic = topic;
      m.payload = payload;
      batch.push_back(std::move(m));
    }
    if (auto r = conn.publish_batch(std::move(batch), std::chrono::seconds{120}); !r) {
      std::fprintf(stderr, "herald publish failed: %s\n", describe(r.error()).c_str());
      std::exit(1);
    }
  }
  return rate(n, clk::now() - start);
}

} // namespace

figures run_herald(herald::connection& conn, const std::string& topic, std::size_t n, std::size_t size,
                   std::size_t batch_size, consume_clock timing, std::chrono::seconds stall) {
  figures f;
  f.publish = publish_n(conn, topic, n, size, batch_size);
  std::atomic<std::size_t> got{0};
  std::mutex mtx;
  std::condition_variable cv;
  clk::time_point first{};
  auto subscribed = clk::now();
  auto sub = herald::subscribe(
    conn, topic,
    [&](const herald::message&, herald::completion done) {
      done(caf::none);
      auto k = got.fetch_add(1) + 1;
      std::lock_guard g{mtx};
      if (k == 1)
        first = clk::now();
      if (k == n)
        cv.notify_all();
    },
    herald::subscriber_options{.group = "bench", .prefetch = 1024}, false);
  if (!sub) {
    std::fprintf(stderr, "herald subscribe failed: %s\n", describe(sub.error()).c_str());
    std::exit(1);
  }
  {
    std::unique_lock lock{mtx};
    if (!cv.wait_for(lock, stall, [&] { return got.load() >= n; }))
      std::fprintf(stderr, "herald consume: only %zu of %zu messages within %lld s\n", got.load(), n,
                   static_cast<long long>(stall.count()));
    if (timing == consume_clock::from_first_message)
      f.consume = rate(got.load(), clk::now() - first);
  }
  sub->close();
  if (timing == consume_clock::subscribe_to_close)
    f.consume = rate(got.load(), clk::now() - subscribed);
  return f;
}

figures run_herald_subscribed_first(herald::connection& conn, const std::string& topic, std::size_t n,
                                    std::size_t size, std::chrono::seconds stall) {
  figures f;
  std::mutex mtx;
  std::condition_variable cv;
  bool open = false;
  std::size_t got = 0;
  clk::time_point last{};
  auto sub = herald::subscribe(
    conn, topic,
    [&](const herald::message&, herald::completion done) {
      std::unique_lock lock{mtx};
      cv.wait(lock, [&] { return open; }); // held until everything is published
      if (++got == n) {
        last = clk::now();
        cv.notify_all();
      }
      lock.unlock();
      done(caf::none);
    },
    herald::subscriber_options{.group = "bench", .prefetch = 1024}, false);
  if (!sub) {
    std::fprintf(stderr, "herald subscribe failed: %s\n", describe(sub.error()).c_str());
    std::exit(1);
  }
  f.publish = publish_n(conn, topic, n, size, 1000);
  std::unique_lock lock{mtx};
  open = true;
  auto opened = clk::now();
  cv.notify_all();
  if (!cv.wait_for(lock, stall, [&] { return got >= n; })) {
    std::fprintf(stderr, "herald consume: only %zu of %zu messages within %lld s\n", got, n,
                 static_cast<long long>(stall.count()));
    last = clk::now();
  }
  f.consume = rate(got, last - opened);
  lock.unlock();
  sub->close();
  return f;
}

void row(const char* name, std::size_t size, const figures& f, const figures* raw) {
  if (raw == nullptr)
    std::printf("%-16s %6zu %12.0f %12.0f %10s %10s\n", name, size, f.publish, f.consume, "1.00", "1.00");
  else
    std::printf("%-16s %6zu %12.0f %12.0f %10.2f %10.2f\n", name, size, f.publish, f.consume, f.publish / raw->publish,
                f.consume / raw->consume);
  std::fflush(stdout);
}

namespace {

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  auto n = xs.size();
  return n == 0 ? 0 : n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

template <class F>
std::vector<double> each(const std::vector<figures>& fs, F f) {
  std::vector<double> out;
  for (auto& x : fs)
    out.push_back(f(x));
  return out;
}

std::string ratio_cell(std::vector<double> ratios) {
  auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f (%.2f-%.2f)", median(ratios), *lo, *hi);
  return buf;
}

} // namespace

void median_rows(const char* raw_name, const char* herald_name, std::size_t size, const std::vector<figures>& raw,
                 const std::vector<figures>& herald) {
  auto rounds = std::min(raw.size(), herald.size());
  if (rounds == 0)
    return;
  std::vector<double> pub, sub;
  for (std::size_t i = 0; i < rounds; ++i) {
    pub.push_back(herald[i].publish / raw[i].publish);
    sub.push_back(herald[i].consume / raw[i].consume);
  }
  std::printf("%-16s %6zu %12.0f %12.0f %18s %18s\n", raw_name, size,
              median(each(raw, [](auto& f) { return f.publish; })),
              median(each(raw, [](auto& f) { return f.consume; })), "1.00", "1.00");
  std::printf("%-16s %6zu %12.0f %12.0f %18s %18s\n", herald_name, size,
              median(each(herald, [](auto& f) { return f.publish; })),
              median(each(herald, [](auto& f) { return f.consume; })), ratio_cell(pub).c_str(),
              ratio_cell(sub).c_str());
  std::fflush(stdout);
}

} // namespace armada::bench
