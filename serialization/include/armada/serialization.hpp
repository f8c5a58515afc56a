#pragma once

/// armada::serialization: the Protobuf envelope for transports without headers, codecs (JSON,
/// Protobuf, raw) and their default selection, the typed event codec (Protobuf and JSON) with
/// the custom-type registry, base64, reserved metadata names and W3C traceparent helpers.
/// Guide: docs/serialization.md.

#include "armada/serialization/base64.hpp"
#include "armada/serialization/codec.hpp"
#include "armada/serialization/custom_registry.hpp"
#include "armada/serialization/default_codec.hpp"
#include "armada/serialization/envelope.hpp"
#include "armada/serialization/errc.hpp"
#include "armada/serialization/event_codec.hpp"
#include "armada/serialization/json_codec.hpp"
#include "armada/serialization/media_type.hpp"
#include "armada/serialization/metadata.hpp"
#include "armada/serialization/protobuf_codec.hpp"
#include "armada/serialization/raw_codec.hpp"
#include "armada/serialization/traceparent.hpp"
#include "armada/serialization/type_name.hpp"
