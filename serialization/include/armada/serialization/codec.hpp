#pragma once

#include <concepts>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "armada/serialization/media_type.hpp"

namespace armada::serialization {

/// A codec turns values of `C::value_type` into bytes and back:
/// - `content_type()`: the media type it writes, for the `content-type` metadata;
/// - `encode(const T&) -> caf::expected<std::string>`;
/// - `decode(std::string_view) -> caf::expected<T>`.
/// Neither may throw: failures are errors whose message names the type and the fix.
/// A codec may add `accepts(std::string_view content_type) -> bool` to widen or narrow the
/// content types `decode_checked` lets through (the default is `check_content_type`).
/// The built-in codecs are stateless and may be used from any thread.
template <class C>
concept codec = requires(const C& c, const typename C::value_type& value, std::string_view in) {
  { c.content_type() } -> std::convertible_to<std::string_view>;
  { c.encode(value) } -> std::same_as<caf::expected<std::string>>;
  { c.decode(in) } -> std::same_as<caf::expected<typename C::value_type>>;
};

/// A codec whose values are `T`.
template <class C, class T>
concept codec_for = codec<C> && std::same_as<typename C::value_type, T>;

/// Decodes `payload` that arrived labelled `content_type` (empty: unlabelled). A label the
/// codec cannot read is `errc::wrong_content_type` naming both types; otherwise the result of
/// `c.decode(payload)`.
template <codec C>
caf::expected<typename C::value_type> decode_checked(const C& c, std::string_view payload,
                                                     std::string_view content_type) {
  if constexpr (requires {
                  { c.accepts(content_type) } -> std::convertible_to<bool>;
                }) {
    if (!c.accepts(content_type))
      return check_content_type(c.content_type(), content_type);
  } else {
    if (auto err = check_content_type(c.content_type(), content_type))
      return err;
  }
  return c.decode(payload);
}

} // namespace armada::serialization
