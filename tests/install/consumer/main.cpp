#include <armada/capitan.hpp>
#include <armada/runtime.hpp>

namespace cap = armada::capitan;

inline const cap::signal greeted{"consumer.greeted", "the consumer said hello"};
inline const cap::key<std::string> name{"name"};

int main() {
  auto rt = armada::runtime::start(std::make_unique<armada::config>());
  cap::instance bus{rt->system()};
  std::string got;
  auto l = bus.hook(greeted, [&](const cap::event& e) { got = name.from(e).value_or(""); });
  bus.emit(greeted, name("installed armada"));
  bus.drain();
  return got == "installed armada" ? 0 : 1;
}
