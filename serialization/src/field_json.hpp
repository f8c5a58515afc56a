#pragma once

// One capitan field as JSON, for the JSON event form (private to the module).

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "armada/serialization/event_codec.hpp"

namespace armada::serialization::detail {

/// `{"name":..,"type":..,"value":..}` (plus `variant` and `content_type` for custom fields).
caf::expected<nlohmann::ordered_json> field_to_json(const capitan::field& f,
                                                    const custom_registry& registry);

/// The field described by `j`; errors name the field and what was expected.
caf::expected<capitan::field> field_from_json(const nlohmann::ordered_json& j,
                                              const custom_registry& registry,
                                              unknown_custom policy);

} // namespace armada::serialization::detail
