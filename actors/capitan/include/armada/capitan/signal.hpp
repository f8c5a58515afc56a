#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace armada::capitan {

/// How important an event is; filters compare with `<`.
enum class severity : std::uint8_t { debug, info, warn, error };

/// "debug", "info", "warn" or "error".
std::string_view to_string(severity s);

/// Parses the names of `to_string`; false when `text` names no severity.
bool from_string(std::string_view text, severity& out);

namespace detail {
struct signal_info {
  std::string name;
  std::string description;
};
/// Interns `name` in the process-wide signal catalog; the pointer lives until exit.
const signal_info* intern_signal(std::string_view name, std::string_view description);
} // namespace detail

/// An event topic: a name plus a description. A value type whose equality and hash use the
/// name only. Construction interns the name in a process-wide catalog (so comparing and
/// hashing are pointer operations, and configuration can tell a known signal from a typo);
/// define signals as constants: `inline const signal order_placed{"order.placed", "..."};`.
class signal {
public:
  signal(std::string_view name, std::string_view description = {})
    : info_(detail::intern_signal(name, description)) {
  }

  const std::string& name() const { return info_->name; }
  const std::string& description() const { return info_->description; }

  /// The catalog entry; stable for the life of the process.
  const detail::signal_info* id() const { return info_; }

  friend bool operator==(const signal& a, const signal& b) { return a.info_ == b.info_; }
  friend bool operator<(const signal& a, const signal& b) { return a.name() < b.name(); }

private:
  const detail::signal_info* info_;
};

/// Every signal constructed so far in this process, sorted by name.
std::vector<signal> known_signals();

/// Whether a signal of this name has been constructed in this process.
bool is_known_signal(std::string_view name);

} // namespace armada::capitan

template <>
struct std::hash<armada::capitan::signal> {
  std::size_t operator()(const armada::capitan::signal& s) const noexcept {
    return std::hash<const void*>{}(s.id());
  }
};
