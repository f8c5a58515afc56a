// The other process of the embedded crash tests. It works on an embedded file and reports each
// step on stdout, one line per step, flushed, so the test knows what happened before it killed
// the process.
//
//   embedded_crash_helper publish URL TOPIC N       publishes N messages; prints each id once
//                                                    its publish returned
//   embedded_crash_helper hold URL TOPIC GROUP      takes one message, prints "holding ID ATTEMPT"
//                                                    and never acks it (dies "inside the handler")
//   embedded_crash_helper consume URL TOPIC GROUP   prints "ready", then "got ID" for each message,
//                                                    acking it, until killed

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "armada/herald/embedded.hpp"
#include "armada/runtime/error.hpp"
#include "crash_child.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace {

using testing_support::say;

const std::string who = "embedded_crash_helper";

[[noreturn]] void fail(const std::string& what, const caf::error& err) {
  testing_support::fail(who, what, err);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s publish|hold|consume URL TOPIC N|GROUP\n", argv[0]);
    return 2;
  }
  std::string mode = argv[1];
  auto drv = herald::embedded::make_driver(argv[2]);
  if (!drv)
    fail("connect", drv.error());
  std::string topic = argv[3];
  if (mode == "publish") {
    auto n = std::strtol(argv[4], nullptr, 10);
    for (long i = 0; i < n; ++i) {
      herald::message m;
      m.id = "msg-" + std::to_string(::getpid()) + "-" + std::to_string(i);
      m.topic = topic;
      m.payload = "payload " + std::to_string(i);
      auto r = (*drv)->publish(m);
      if (!r)
        fail("publish", r.error());
      say(m.id);
    }
    say("done");
    return 0;
  }
  herald::subscribe_options opts;
  opts.group = argv[4];
  auto sub = (*drv)->subscribe(topic, opts);
  if (!sub)
    fail("subscribe", sub.error());
  if (mode == "hold")
    testing_support::hold_one(who, **sub); // stuck in the handler until SIGKILL
  if (mode == "consume") {
    say("ready");
    for (;;) {
      auto got = (*sub)->fetch(8, 200ms);
      if (!got)
        fail("fetch", got.error());
      for (auto& m : *got) {
        say("got " + m.id);
        if (auto err = (*sub)->ack(m))
          fail("ack", err);
      }
    }
  }
  std::fprintf(stderr, "%s: unknown mode '%s'\n", who.c_str(), mode.c_str());
  return 2;
}
