#include "armada/serialization/type_name.hpp"

#include <cstdlib>
#include <memory>

#include <cxxabi.h>

namespace armada::serialization {

std::string type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name{
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free};
  return status == 0 && name ? std::string{name.get()} : std::string{type.name()};
}

} // namespace armada::serialization
