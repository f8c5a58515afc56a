// The other service of the cross-process request/response test: consumes "ship" commands from
// a broker, answers each through ago::respond, and publishes the replies back.
//
//   ago_responder <embedded|redis> <url> <command topic> <reply topic>
//
// Prints "ready" once it consumes; runs until killed.

#include <unistd.h>

#include <cstdio>
#include <thread>

#include "armada/ago.hpp"
#include "armada/herald.hpp"
#include "armada/herald/embedded.hpp"
#include "armada/herald/redis.hpp"
#include "armada/runtime.hpp"
#include "request_signals.hpp"

using namespace armada;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: ago_responder <embedded|redis> <url> <command topic> <reply topic>\n");
    return 2;
  }
  std::string kind = argv[1];
  auto rt = runtime::start(std::make_unique<config>());
  capitan::instance events{rt->system()};
  auto conn = kind == "redis" ? herald::redis::connect(rt->system(), argv[2])
                              : herald::embedded::connect(rt->system(), argv[2]);
  if (!conn) {
    std::fprintf(stderr, "%s\n", describe(conn.error()).c_str());
    return 1;
  }
  auto answering = ago::respond(events, ago_test::ship_command, ago_test::ship_reply, [](const capitan::event& e)
                                  -> caf::expected<std::vector<capitan::field>> {
    auto id = ago_test::order_id.from(e).value_or("");
    if (id == "refuse")
      return ago::make_error(ago::errc::step_failed, "no courier for order " + id);
    return std::vector<capitan::field>{ago_test::tracking("T-" + id + "-pid" + std::to_string(::getpid()))};
  });
  auto out = herald::bridge_out(events, *conn, ago_test::ship_reply, argv[4], {});
  if (!out) {
    std::fprintf(stderr, "%s\n", describe(out.error()).c_str());
    return 1;
  }
  auto in = herald::bridge_in(*conn, argv[3], events, ago_test::ship_command);
  if (!in) {
    std::fprintf(stderr, "%s\n", describe(in.error()).c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (;;)
    ::pause();
}
