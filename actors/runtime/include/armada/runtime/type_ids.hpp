#pragma once

#include <caf/type_id.hpp>

namespace armada {

// armada's CAF type-ID space starts at caf::first_custom_type_id; each module owns a range of
// 50 IDs so modules can be linked in any combination without collisions.
constexpr caf::type_id_t runtime_first_type_id = caf::first_custom_type_id;
constexpr caf::type_id_t capitan_first_type_id = caf::first_custom_type_id + 50;
constexpr caf::type_id_t pipz_first_type_id = caf::first_custom_type_id + 100;
constexpr caf::type_id_t herald_first_type_id = caf::first_custom_type_id + 150;
constexpr caf::type_id_t ago_first_type_id = caf::first_custom_type_id + 200;
constexpr caf::type_id_t aegis_first_type_id = caf::first_custom_type_id + 250;

} // namespace armada
