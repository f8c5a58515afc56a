#pragma once

#include "armada/testing/process.hpp"

namespace armada::aegis::testing {

/// The child-process launcher of the multi-process tests (`armada::testing::process`).
using armada::testing::process;

} // namespace armada::aegis::testing
