// The other process of the firestore crash test: a subscriber that dies inside its handler.
//
//   firestore_crash_helper hold URL TOPIC   takes one message, prints "holding ID ATTEMPT" and
//                                           never acks it: stuck in the handler until SIGKILL,
//                                           so its lease is renewed while it lives and neither
//                                           released nor renewed once it is dead

#include <cstdio>
#include <string>

#include "armada/herald/firestore.hpp"
#include "crash_child.hpp"

using namespace armada;

int main(int argc, char** argv) {
  const std::string who = "firestore_crash_helper";
  if (argc != 4 || std::string{argv[1]} != "hold") {
    std::fprintf(stderr, "usage: %s hold URL TOPIC\n", argv[0]);
    return 2;
  }
  auto drv = herald::firestore::make_driver(argv[2]);
  if (!drv)
    testing_support::fail(who, "connect", drv.error());
  auto sub = (*drv)->subscribe(argv[3], {});
  if (!sub)
    testing_support::fail(who, "subscribe", sub.error());
  testing_support::hold_one(who, **sub);
}
