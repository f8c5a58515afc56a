#include "armada/pipz/identity.hpp"

namespace armada::pipz {

identity::identity(std::string name, std::string description)
  : name_(std::move(name))
  , description_(std::move(description))
  , id_(armada::uuid::random()) {}

identity::identity(std::string name, std::string description, armada::uuid id)
  : name_(std::move(name))
  , description_(std::move(description))
  , id_(id) {}

} // namespace armada::pipz
