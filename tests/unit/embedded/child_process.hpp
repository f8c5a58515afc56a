#pragma once

// The crash tests' child processes: `armada::testing::process` (stdout on a pipe, lines read with
// a deadline).

#include "armada/testing/process.hpp"

namespace armada::testing_embedded {

using child_process = armada::testing::process;

} // namespace armada::testing_embedded
