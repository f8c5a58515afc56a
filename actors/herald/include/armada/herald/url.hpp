#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

namespace armada::herald {

/// A provider URL: `scheme://host:port/path?property=value&…`. Hosts must be given explicitly;
/// nothing is resolved here.
struct url {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
  std::string path; ///< without the leading '/'
  std::map<std::string, std::string> query;
  std::string text; ///< the URL as given, with any password replaced by "***"

  /// Parses `text`; an error names what is wrong and shows the expected form.
  static caf::expected<url> parse(std::string_view text);
};

/// A documented provider property (the librdkafka / nats.c style: a flat list of string
/// properties with defaults, validated up front).
struct property_spec {
  enum class kind : std::uint8_t { string, integer, boolean, milliseconds };
  std::string name;
  kind type = kind::string;
  std::string default_value;
  std::string description;
};

/// The properties of one provider instance: URL query values over the defaults of its specs.
class properties {
public:
  /// Checks every query parameter of `u` against `specs`: an unknown name or a value of the
  /// wrong type is an error that names the provider, the property and the fix.
  static caf::expected<properties> resolve(std::string_view provider, const url& u,
                                           const std::vector<property_spec>& specs);

  const std::string& get(const std::string& name) const;
  std::int64_t integer(const std::string& name) const;
  bool boolean(const std::string& name) const;
  std::chrono::milliseconds millis(const std::string& name) const;

  const std::map<std::string, std::string>& all() const { return values_; }

private:
  std::map<std::string, std::string> values_;
};

} // namespace armada::herald
