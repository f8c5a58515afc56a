#pragma once

/// capitan: local typed events. See docs/capitan.md.

#include "armada/capitan/actors.hpp"
#include "armada/capitan/config.hpp"
#include "armada/capitan/event.hpp"
#include "armada/capitan/field.hpp"
#include "armada/capitan/instance.hpp"
#include "armada/capitan/signal.hpp"
#include "armada/capitan/stats.hpp"

namespace armada::capitan {

// Free functions on the default instance (see `instance` for each).

template <class... Fields>
emit_result emit(const signal& s, Fields&&... fs) {
  return default_instance().emit(s, std::forward<Fields>(fs)...);
}
template <class... Fields>
emit_result emit(const context& ctx, const signal& s, Fields&&... fs) {
  return default_instance().emit(ctx, s, std::forward<Fields>(fs)...);
}
template <class... Fields>
emit_result debug(const signal& s, Fields&&... fs) {
  return default_instance().debug(s, std::forward<Fields>(fs)...);
}
template <class... Fields>
emit_result info(const signal& s, Fields&&... fs) {
  return default_instance().info(s, std::forward<Fields>(fs)...);
}
template <class... Fields>
emit_result warn(const signal& s, Fields&&... fs) {
  return default_instance().warn(s, std::forward<Fields>(fs)...);
}
template <class... Fields>
emit_result error(const signal& s, Fields&&... fs) {
  return default_instance().error(s, std::forward<Fields>(fs)...);
}
inline listener hook(const signal& s, callback fn) {
  return default_instance().hook(s, std::move(fn));
}
inline listener hook_once(const signal& s, callback fn) {
  return default_instance().hook_once(s, std::move(fn));
}
inline observer observe(callback fn) {
  return default_instance().observe(std::move(fn));
}
inline observer observe(callback fn, std::vector<signal> whitelist) {
  return default_instance().observe(std::move(fn), std::move(whitelist));
}
inline capitan::instance_stats stats() {
  return default_instance().stats();
}
inline void drain() {
  default_instance().drain();
}
inline void shutdown() {
  default_instance().shutdown();
}

} // namespace armada::capitan
