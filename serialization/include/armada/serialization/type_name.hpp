#pragma once

#include <string>
#include <typeinfo>

namespace armada::serialization {

/// The readable name of a type as the compiler spells it (`shop::order`), for error messages.
std::string type_name(const std::type_info& type);

/// `type_name(typeid(T))`.
template <class T> std::string type_name() {
  return type_name(typeid(T));
}

} // namespace armada::serialization
