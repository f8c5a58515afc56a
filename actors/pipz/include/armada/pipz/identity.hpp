#pragma once

#include <string>
#include <string_view>

#include "armada/runtime/uuid.hpp"

namespace armada::pipz {

/// Who a node is: a name (shown in error paths and schemas), a description, and a random
/// UUID that tells apart two nodes of the same name. Immutable value; thread-safe.
class identity {
public:
  /// A new identity with a fresh random UUID.
  identity(std::string name, std::string description = {});

  /// Same as `identity(std::string{name})`, so nodes accept string literals.
  identity(const char* name)
    : identity(std::string{name}) {}

  /// An identity with a known UUID (used when parsing a schema back).
  identity(std::string name, std::string description, armada::uuid id);

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const armada::uuid& id() const { return id_; }

  /// Two identities are the same node when their UUIDs are equal.
  friend bool operator==(const identity& a, const identity& b) { return a.id_ == b.id_; }

private:
  std::string name_;
  std::string description_;
  armada::uuid id_;
};

} // namespace armada::pipz
