#pragma once

/// armada::testing: helpers for users' own tests (see docs/testing.md).

#include "armada/testing/deterministic_fixture.hpp"
#include "armada/testing/event_capture.hpp"
#include "armada/testing/process.hpp"
#include "armada/testing/servers.hpp"
#include "armada/testing/wait.hpp"
