#include "armada/pipz/causes.hpp"

#include <cstdio>

#include "armada/pipz/error.hpp"

namespace armada::pipz {

namespace causes {

circuit_open::circuit_open(const std::string& breaker)
  : std::runtime_error("circuit breaker " + breaker + " is open") {}

rate_limited::rate_limited(const std::string& limiter)
  : std::runtime_error("rate limiter " + limiter + " has no token") {}

timeout::timeout(const std::string& node, std::chrono::nanoseconds after)
  : std::runtime_error(node + " timed out after " + detail::format_duration(after))
  , after_(after) {}

canceled::canceled()
  : std::runtime_error("canceled") {}

rejected::rejected(const std::string& what)
  : std::runtime_error(what) {}

} // namespace causes

failure fail(std::string_view message) {
  return failure{std::make_exception_ptr(std::runtime_error{std::string{message}})};
}

namespace detail {

cause_info describe(const std::exception_ptr& cause) {
  cause_info info;
  if (!cause) {
    info.message = "unknown error";
    return info;
  }
  try {
    std::rethrow_exception(cause);
  } catch (const causes::timeout& e) {
    info.message = e.what();
    info.timed_out = true;
  } catch (const causes::canceled& e) {
    info.message = e.what();
    info.canceled = true;
  } catch (const std::exception& e) {
    info.message = e.what();
  } catch (...) {
    info.message = "unknown exception";
  }
  return info;
}

std::string format_duration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  auto ns = d.count();
  if (ns < 1000)
    return std::to_string(ns) + "ns";
  if (ns < 1000 * 1000)
    return std::to_string(ns / 1000) + "us";
  if (ns < 1000 * 1000 * 1000)
    return std::to_string(ns / (1000 * 1000)) + "ms";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(ns) / 1e9);
  return std::string{buf} + "s";
}

std::string error_text(const std::vector<identity>& path, std::chrono::nanoseconds duration,
                       const std::string& message) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i > 0)
      out += " -> ";
    out += path[i].name();
  }
  out += " failed after ";
  out += format_duration(duration);
  out += ": ";
  out += message;
  return out;
}

} // namespace detail

} // namespace armada::pipz
