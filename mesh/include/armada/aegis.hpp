#pragma once

// aegis: the peer-to-peer mesh. See docs/aegis.md.

#include "armada/aegis/actors.hpp"
#include "armada/aegis/errc.hpp"
#include "armada/aegis/inspector.hpp"
#include "armada/aegis/member.hpp"
#include "armada/aegis/node.hpp"
#include "armada/aegis/options.hpp"
#include "armada/aegis/process.hpp"
#include "armada/aegis/signals.hpp"
#include "armada/aegis/testing.hpp"
