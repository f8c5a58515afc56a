#pragma once

/// herald: local events across process boundaries. See docs/herald.md.

#include "armada/herald/actors.hpp"
#include "armada/herald/bridge.hpp"
#include "armada/herald/connection.hpp"
#include "armada/herald/driver.hpp"
#include "armada/herald/errc.hpp"
#include "armada/herald/message.hpp"
#include "armada/herald/publisher.hpp"
#include "armada/herald/signals.hpp"
#include "armada/herald/subscriber.hpp"
#include "armada/herald/url.hpp"
