// herald throughput: publish N, then consume N, at 16, 64 and 256 bytes, per provider, with
// the raw baseline in the same run (raw LMDB put/get for the embedded store), printing msgs/s
// and ratios. Usage: bench_herald [N (default 100000)] [all|memory|embedded]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#ifdef ARMADA_BENCH_EMBEDDED
#  include <lmdb.h>
#  include "armada/herald/embedded.hpp"
#endif

#include "armada/herald.hpp"
#include "armada/herald/memory.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "../support/proc_status.hpp"
#include "../support/start_runtime.hpp"

using namespace armada;
using clk = std::chrono::steady_clock;

namespace {

using armada::bench::peak_rss_kib;
using armada::bench::rss_kib;


double rate(std::size_t n, clk::duration d) {
  return static_cast<double>(n) / std::chrono::duration<double>(d).count();
}

struct figures {
  double publish = 0;
  double consume = 0;
};

// Publishes n messages of `size` bytes in batches of 1000, then consumes them all.
figures run_herald(herald::connection& conn, const std::string& topic, std::size_t n, std::size_t size) {
  figures f;
  std::string payload(size, 'x');
  auto start = clk::now();
  for (std::size_t i = 0; i < n;) {
    std::vector<herald::message> batch;
    for (std::size_t j = 0; j < 1000 && i < n; ++j, ++i) {
      herald::message m;
      m.id = std::to_string(i);
      m.topic = topic;
      m.payload = payload;
      batch.push_back(std::move(m));
    }
    auto r = conn.publish_batch(std::move(batch));
    if (!r) {
      std::fprintf(stderr, "publish failed: %s\n", describe(r.error()).c_str());
      std::exit(1);
    }
  }
  f.publish = rate(n, clk::now() - start);
  std::atomic<std::size_t> got{0};
  std::mutex mtx;
  std::condition_variable cv;
  start = clk::now();
  auto sub = herald::subscribe(
    conn, topic,
    [&](const herald::message&, herald::completion done) {
      done(caf::none);
      if (got.fetch_add(1) + 1 == n) {
        std::lock_guard g{mtx};
        cv.notify_all();
      }
    },
    herald::subscriber_options{.prefetch = 1024}, false);
  if (!sub) {
    std::fprintf(stderr, "subscribe failed: %s\n", describe(sub.error()).c_str());
    std::exit(1);
  }
  {
    std::unique_lock lock{mtx};
    cv.wait_for(lock, std::chrono::minutes{5}, [&] { return got.load() >= n; });
  }
  f.consume = rate(got.load(), clk::now() - start);
  if (got.load() < n)
    std::fprintf(stderr, "only %zu of %zu messages arrived within 5 minutes\n", got.load(), n);
  sub->close();
  return f;
}

#ifdef ARMADA_BENCH_EMBEDDED
figures run_raw_lmdb(const std::filesystem::path& dir, std::size_t n, std::size_t size) {
  figures f;
  std::filesystem::create_directories(dir);
  MDB_env* env = nullptr;
  mdb_env_create(&env);
  mdb_env_set_mapsize(env, std::size_t{4} << 30);
  if (mdb_env_open(env, dir.c_str(), MDB_NOSUBDIR * 0, 0644) != 0) {
    std::fprintf(stderr, "raw lmdb: cannot open %s\n", dir.c_str());
    std::exit(1);
  }
  MDB_dbi dbi;
  std::string payload(size, 'x');
  auto start = clk::now();
  for (std::size_t i = 0; i < n;) {
    MDB_txn* txn;
    mdb_txn_begin(env, nullptr, 0, &txn);
    mdb_dbi_open(txn, nullptr, 0, &dbi);
    for (std::size_t j = 0; j < 1000 && i < n; ++j, ++i) {
      std::uint64_t key = __builtin_bswap64(i);
      MDB_val k{sizeof key, &key};
      MDB_val v{payload.size(), payload.data()};
      mdb_put(txn, dbi, &k, &v, MDB_APPEND);
    }
    mdb_txn_commit(txn);
  }
  f.publish = rate(n, clk::now() - start);
  start = clk::now();
  MDB_txn* txn;
  mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
  MDB_cursor* cur;
  mdb_cursor_open(txn, dbi, &cur);
  MDB_val k, v;
  std::size_t seen = 0, bytes = 0;
  while (mdb_cursor_get(cur, &k, &v, seen == 0 ? MDB_FIRST : MDB_NEXT) == 0) {
    ++seen;
    bytes += v.mv_size;
  }
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  f.consume = rate(seen, clk::now() - start);
  mdb_env_close(env);
  return f;
}
#endif

} // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  std::string only = argc > 2 ? argv[2] : "all";
  auto rt = bench::start_runtime();
  std::printf("%-10s %6s %14s %14s %12s %12s\n", "provider", "bytes", "publish/s", "consume/s",
              "pub x raw", "sub x raw");
  for (std::size_t size : {16, 64, 256}) {
    if (only != "all" && only != "memory")
      break;
    // Everything is published before the subscriber exists: keep all of it (the default
    // retention keeps 100 000 messages that no group has yet).
    auto conn = herald::memory::connect(rt->system(), "memory://bench" + std::to_string(size)
                                                          + "?retention=" + std::to_string(std::max<std::size_t>(n, 1)));
    if (!conn) {
      std::fprintf(stderr, "%s\n", describe(conn.error()).c_str());
      return 1;
    }
    auto f = run_herald(*conn, "bench", n, size);
    std::printf("%-10s %6zu %14.0f %14.0f %12s %12s\n", "memory", size, f.publish, f.consume, "-", "-");
    conn->close();
  }
#ifdef ARMADA_BENCH_EMBEDDED
  auto dir = std::filesystem::temp_directory_path() / ("armada-bench-" + std::to_string(::getpid()));
  for (std::size_t size : {16, 64, 256}) {
    if (only != "all" && only != "embedded")
      break;
    auto raw = run_raw_lmdb(dir / ("raw" + std::to_string(size)), n, size);
    auto file = dir / ("herald" + std::to_string(size) + ".mdb");
    auto conn = herald::embedded::connect(rt->system(), "embedded://" + file.string());
    if (!conn) {
      std::fprintf(stderr, "%s\n", describe(conn.error()).c_str());
      return 1;
    }
    auto f = run_herald(*conn, "bench", n, size);
    std::printf("%-10s %6zu %14.0f %14.0f %12s %12s\n", "raw lmdb", size, raw.publish, raw.consume, "1.00", "1.00");
    std::printf("%-10s %6zu %14.0f %14.0f %12.2f %12.2f\n", "embedded", size, f.publish, f.consume,
                f.publish / raw.publish, f.consume / raw.consume);
    conn->close();
  }
  std::filesystem::remove_all(dir);
#endif
  std::printf("targets: memory >= 1 000 000 msgs/s publish and consume; embedded >= 100 000 msgs/s\n");
  std::printf("Watermill GoChannel (16 CPUs): 331 882 publish / 118 943 consume msgs/s\n");
  std::printf("peak RSS: %ld KiB\n", peak_rss_kib());
  return 0;
}
