#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace armada::serialization {

/// A parsed content type (RFC 9110 media type): `type/subtype` plus parameters.
struct media_type {
  /// `type/subtype`, lower case, e.g. `application/x-protobuf`.
  std::string essence;
  /// Parameters in order; names lower case, values unquoted and case kept.
  std::vector<std::pair<std::string, std::string>> parameters;

  /// The value of parameter `name` (case-insensitive), or empty when absent.
  std::string parameter(std::string_view name) const;
};

/// Parses `text` such as `application/x-protobuf; messageType="shop.v1.Order"`. Fails with
/// `errc::wrong_content_type` when it is not `type/subtype[; name=value]...`.
caf::expected<media_type> parse_media_type(std::string_view text);

/// `application/x-protobuf; messageType=<full_name>`: the content type of a Protobuf payload
/// holding a message of type `full_name`.
std::string protobuf_content_type(std::string_view full_name);

/// Checks that a payload labelled `actual` can be read by a codec that writes `expected`:
/// the essences are equal, and each parameter of `expected` that `actual` also has is equal
/// (so `application/json; charset=utf-8` is JSON, and a Protobuf payload without `messageType`
/// is accepted). An empty `actual` (an unlabelled payload) is accepted. Otherwise returns
/// `errc::wrong_content_type` naming both types.
caf::error check_content_type(std::string_view expected, std::string_view actual);

} // namespace armada::serialization
