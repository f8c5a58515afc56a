#pragma once

/// ago: durable sagas as state-machine actors, and request/response over events.
/// See docs/ago.md.

#include "armada/ago/engine.hpp"
#include "armada/ago/errc.hpp"
#include "armada/ago/record.hpp"
#include "armada/ago/request.hpp"
#include "armada/ago/saga.hpp"
#include "armada/ago/signals.hpp"
#include "armada/ago/store.hpp"
