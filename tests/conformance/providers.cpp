#include "provider_under_test.hpp"

#include "armada/herald/memory.hpp"

namespace armada::conformance {

std::vector<provider_under_test> providers_under_test() {
  std::vector<provider_under_test> result;
  {
    provider_under_test p;
    p.name = "memory";
    p.features.consumer_groups = true;
    p.features.guaranteed_order = true;
    p.features.new_subscriber_receives_old = true;
    p.features.nack_delay = true;
    p.connect = [](caf::actor_system& sys, const std::string& scope) {
      return herald::memory::connect(sys, "memory://" + scope);
    };
    result.push_back(std::move(p));
  }
  return result;
}

} // namespace armada::conformance
