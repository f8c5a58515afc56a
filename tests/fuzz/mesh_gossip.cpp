// Fuzzes a gossip message from a peer as the mesh receives it: CAF's binary form of (sender id,
// member entries, rooms), deserialized as BASP does, then merged into the member table the way
// on_gossip merges it. Whatever a peer claims, the node stays alive and a claim about the node
// itself makes it raise its incarnation above the claim's.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>

#include "armada/aegis/member.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armada::aegis;
  std::string from;
  std::vector<member_info> entries;
  std::vector<std::string> rooms;
  caf::binary_deserializer source{nullptr, reinterpret_cast<const char*>(data), size};
  if (source(from, entries, rooms))
    return 0; // CAF drops a message that does not deserialize
  member_info self;
  self.id = "self";
  self.name = "fuzz";
  member_table table{self};
  for (auto& e : entries) {
    auto change = table.merge(e);
    if (table.self().state() != member_status::alive)
      std::abort();
    if (change && e.id == self.id && table.self().incarnation <= e.incarnation)
      std::abort(); // the refutation must outbid the claim
  }
  (void) table.topology_digest();
  return 0;
}
