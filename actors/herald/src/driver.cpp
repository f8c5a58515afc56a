#include "armada/herald/driver.hpp"

namespace armada::herald {

caf::expected<std::vector<publish_receipt>> driver::publish_batch(const std::vector<message>& ms) {
  std::vector<publish_receipt> result;
  result.reserve(ms.size());
  for (auto& m : ms) {
    auto r = publish(m);
    if (!r)
      return r.error();
    result.push_back(std::move(*r));
  }
  return result;
}

} // namespace armada::herald
