#include "armada/pipz/backoff.hpp"

#include <random>

namespace armada::pipz::detail {

double unit_random() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::uniform_real_distribution<double>{0.0, 1.0}(gen);
}

} // namespace armada::pipz::detail
