#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "armada/capitan.hpp"
#include "armada/runtime.hpp"
#include "armada/testing.hpp"
#include "gate.hpp"

namespace armada::test {

/// A real (threaded) actor system and a capitan instance per test.
class capitan_test : public ::testing::Test {
protected:
  capitan_test() : rt_(runtime::start(std::make_unique<config>())) {}

  capitan::instance& make(capitan::instance_options opts = {}) {
    inst_ = std::make_unique<capitan::instance>(rt_->system(), std::move(opts));
    return *inst_;
  }

  capitan::instance& inst() {
    if (!inst_)
      make();
    return *inst_;
  }

  ~capitan_test() override { inst_.reset(); }

  std::unique_ptr<runtime> rt_;
  std::unique_ptr<capitan::instance> inst_;
};

} // namespace armada::test
