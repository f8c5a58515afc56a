// A process that runs sagas on an embedded store, for the crash test: the test SIGKILLs it at
// random points and starts it again. Every handler applies its effect at most once per
// idempotency key, by checking a ledger file (one key per line) before appending to it —
// exactly what a real handler does with the key ago hands it.
//
//   ago_crash_helper <store file> <ledger file> <first> <count>
//
// Recovers what earlier runs left unfinished, starts sagas t-<first> … t-<first+count-1>
// (idempotently: a saga id that exists is not started again), prints "ready", then
// "done <id>" per finished saga of its range, then "all-done".

#include <cstdio>
#include <string>
#include <thread>

#include "armada/ago.hpp"
#include "armada/runtime.hpp"
#include "ledger.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace {

struct transfer {
  int n = 0;
  std::int64_t amount = 0;
};
void to_json(nlohmann::json& j, const transfer& t) {
  j = nlohmann::json{{"n", t.n}, {"amount", t.amount}};
}
void from_json(const nlohmann::json& j, transfer& t) {
  t.n = j.at("n").get<int>();
  t.amount = j.at("amount").get<std::int64_t>();
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: ago_crash_helper <store file> <ledger file> <first> <count>\n");
    return 2;
  }
  int first = std::stoi(argv[3]);
  int count = std::stoi(argv[4]);
  testing_support::effect_ledger book{argv[2]};
  auto rt = runtime::start(std::make_unique<config>());
  capitan::instance events{rt->system()};
  auto store = ago::make_embedded_store({.path = argv[1], .fsync = false}); // SIGKILL-safe without fsync
  if (!store) {
    std::fprintf(stderr, "%s\n", describe(store.error()).c_str());
    return 1;
  }
  ago::engine_options opts;
  opts.events = &events;
  opts.owner = "crash-helper"; // stable: a restarted process resumes its sagas at once
  ago::engine eng{rt->system(), *store, opts};
  auto effect = [&book](const char* what) {
    return [&book, what](const ago::step_context& ctx, transfer&) {
      if (!book.apply(ctx.idempotency_key)) {
        std::printf("skip %s %s\n", std::string{ctx.idempotency_key}.c_str(), what); // a retry after a crash
        std::fflush(stdout);
      }
      std::this_thread::sleep_for(std::chrono::microseconds{300}); // the "work" a kill interrupts
    };
  };
  ago::step_options retry;
  retry.compensation_retry.base_delay = 1ms;
  ago::saga<transfer> s{"transfer"};
  s.step("debit", ago::local<transfer>(effect("debit")), ago::local<transfer>(effect("undo debit")), retry)
    .step("credit", ago::local<transfer>(effect("credit")), ago::local<transfer>(effect("undo credit")), retry)
    .step("ship", ago::local<transfer>([&book](const ago::step_context& ctx, transfer& t) -> pipz::status {
            if (t.n % 4 == 0)
              return pipz::fail("no courier"); // every 4th saga compensates
            book.apply(ctx.idempotency_key);
            return {};
          }));
  eng.add(s);
  auto resumed = eng.recover();
  if (!resumed) {
    std::fprintf(stderr, "recover: %s\n", describe(resumed.error()).c_str());
    return 1;
  }
  std::vector<std::string> ids;
  for (int i = first; i < first + count; ++i) {
    auto id = eng.start<transfer>("transfer", transfer{i, 100 + i}, {.id = "t-" + std::to_string(i)});
    if (!id) {
      std::fprintf(stderr, "start: %s\n", describe(id.error()).c_str());
      return 1;
    }
    ids.push_back(*id);
  }
  std::printf("ready %zu\n", *resumed);
  std::fflush(stdout);
  for (const auto& id : ids) {
    auto out = eng.wait(id, 60s);
    if (!out) {
      std::fprintf(stderr, "wait %s: %s\n", id.c_str(), describe(out.error()).c_str());
      return 1;
    }
    std::printf("done %s %s\n", id.c_str(), std::string{to_string(out->state)}.c_str());
    std::fflush(stdout);
  }
  std::printf("all-done\n");
  std::fflush(stdout);
  return 0;
}
