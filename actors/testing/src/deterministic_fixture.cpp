#include "armada/testing/deterministic_fixture.hpp"

namespace armada::testing {

deterministic_fixture::deterministic_fixture() : cfg_(std::make_unique<config>()) {
  cfg_->deterministic();
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
}

deterministic_fixture::~deterministic_fixture() {
  for (auto& inst : instances_)
    inst->shutdown();
  instances_.clear();
  run();
}

capitan::instance& deterministic_fixture::spawn_capitan(capitan::instance_options opts) {
  instances_.push_back(std::make_unique<capitan::instance>(*sys_, std::move(opts)));
  return *instances_.back();
}

} // namespace armada::testing
