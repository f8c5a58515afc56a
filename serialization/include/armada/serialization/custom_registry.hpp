#pragma once

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "armada/capitan/field.hpp"
#include "armada/serialization/codec.hpp"
#include "armada/serialization/errc.hpp"
#include "armada/serialization/json_codec.hpp"
#include "armada/serialization/type_name.hpp"

namespace armada::serialization {

/// The value of a custom field whose variant had no registered codec when it was decoded
/// with `unknown_custom::keep_opaque`: the codec's bytes, kept so the field can be forwarded
/// unchanged (encoding an event re-emits them as they came). Read it with
/// `capitan::key<opaque_custom>{name, variant}`.
struct opaque_custom {
  std::string content_type;
  std::string data;
  friend bool operator==(const opaque_custom&, const opaque_custom&) = default;
};

/// What decoding does with a custom field whose variant has no registered codec.
enum class unknown_custom {
  reject,      ///< the whole event fails with `errc::unknown_custom_variant` (the default)
  keep_opaque, ///< the field holds an `opaque_custom` with the undecoded bytes
};

/// A custom field's value as codec output.
struct encoded_custom {
  std::string content_type;
  std::string data;
};

/// Maps custom key variants (`"shop.Order"`) to the C++ type and codec that encode them, so the
/// event codecs can carry custom fields across processes and decode them back into the type
/// that `capitan::key<T>{name, variant}.from(e)` reads. Thread-safe: register at startup,
/// encode and decode from any thread.
class custom_registry {
public:
  /// Registers `T` under `variant` with `codec` (JSON by default). Registering the same
  /// variant again for the same type replaces its codec; for another type it fails with
  /// `errc::type_mismatch` and keeps the first.
  template <class T, codec_for<T> Codec = json_codec<T>>
  caf::error add(std::string variant, Codec codec = {}) {
    auto e = std::make_shared<entry>();
    e->variant = variant;
    e->type = &typeid(T);
    e->content_type = std::string{codec.content_type()};
    e->encode = [codec](const void* value) { return codec.encode(*static_cast<const T*>(value)); };
    e->decode = [codec](std::string_view data) -> caf::expected<std::shared_ptr<const void>> {
      auto value = codec.decode(data);
      if (!value)
        return value.error();
      return std::shared_ptr<const void>{std::make_shared<const T>(std::move(*value))};
    };
    return add_entry(std::move(e));
  }

  /// Whether `variant` has a codec.
  bool contains(std::string_view variant) const;

  /// The registered variants, sorted.
  std::vector<std::string> variants() const;

  /// Encodes a custom field's value with its variant's codec. `field_name` is for messages.
  /// Fails with `errc::unknown_custom_variant` (naming the variant and `register_custom`),
  /// `errc::type_mismatch` when the value's C++ type is not the registered one, or the codec's
  /// error. An `opaque_custom` value is passed through as it is.
  caf::expected<encoded_custom> encode(const capitan::custom_value& value,
                                       std::string_view field_name) const;

  /// Decodes codec output back into a custom value holding the registered type. Fails with
  /// `errc::unknown_custom_variant` (unless `policy` keeps it opaque),
  /// `errc::wrong_content_type` when `content_type` is not the codec's, or the codec's error.
  caf::expected<capitan::custom_value> decode(std::string_view variant,
                                              std::string_view content_type, std::string_view data,
                                              std::string_view field_name,
                                              unknown_custom policy = unknown_custom::reject) const;

private:
  struct entry {
    std::string variant;
    const std::type_info* type = nullptr;
    std::string content_type;
    std::function<caf::expected<std::string>(const void*)> encode;
    std::function<caf::expected<std::shared_ptr<const void>>(std::string_view)> decode;
  };

  caf::error add_entry(std::shared_ptr<const entry> e);
  std::shared_ptr<const entry> find(std::string_view variant) const;

  mutable std::shared_mutex mtx_;
  std::map<std::string, std::shared_ptr<const entry>, std::less<>> entries_;
};

/// The process-wide registry that the event codecs use unless given another.
custom_registry& default_custom_registry();

/// Registers `T` under `variant` in the default registry: after
/// `register_custom<Order>("shop.Order")`, events with `key<Order>{"order", "shop.Order"}`
/// fields encode and decode. See `custom_registry::add`.
template <class T, codec_for<T> Codec = json_codec<T>>
caf::error register_custom(std::string variant, Codec codec = {}) {
  return default_custom_registry().add<T>(std::move(variant), std::move(codec));
}

} // namespace armada::serialization
