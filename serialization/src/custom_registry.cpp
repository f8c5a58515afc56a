#include "armada/serialization/custom_registry.hpp"

#include <mutex>

#include "armada/serialization/media_type.hpp"

namespace armada::serialization {

namespace {

std::string in_quotes(std::string_view s) {
  return "'" + std::string{s} + "'";
}

caf::error unknown_variant(std::string_view variant, std::string_view field_name,
                           std::string_view doing) {
  return make_error(errc::unknown_custom_variant,
                    "cannot " + std::string{doing} + " field " + in_quotes(field_name) +
                        " of custom variant " + in_quotes(variant) +
                        ": no codec is registered for it; call register_custom<T>(\"" +
                        std::string{variant} + "\") at startup in this process");
}

} // namespace

caf::error custom_registry::add_entry(std::shared_ptr<const entry> e) {
  std::unique_lock guard{mtx_};
  auto i = entries_.find(e->variant);
  if (i != entries_.end() && *i->second->type != *e->type)
    return make_error(errc::type_mismatch,
                      "custom variant " + in_quotes(e->variant) + " is already registered for " +
                          type_name(*i->second->type) + "; cannot register it for " +
                          type_name(*e->type) + " too: give each type its own variant name");
  auto name = e->variant;
  entries_.insert_or_assign(std::move(name), std::move(e));
  return {};
}

std::shared_ptr<const custom_registry::entry>
custom_registry::find(std::string_view variant) const {
  std::shared_lock guard{mtx_};
  auto i = entries_.find(variant);
  return i == entries_.end() ? nullptr : i->second;
}

bool custom_registry::contains(std::string_view variant) const {
  return find(variant) != nullptr;
}

std::vector<std::string> custom_registry::variants() const {
  std::shared_lock guard{mtx_};
  std::vector<std::string> out;
  for (auto& [name, e] : entries_)
    out.push_back(name);
  return out;
}

caf::expected<encoded_custom> custom_registry::encode(const capitan::custom_value& value,
                                                      std::string_view field_name) const {
  if (value.type != nullptr && *value.type == typeid(opaque_custom) && value.value) {
    auto& opaque = *static_cast<const opaque_custom*>(value.value.get());
    return encoded_custom{opaque.content_type, opaque.data};
  }
  auto e = find(value.variant);
  if (!e)
    return unknown_variant(value.variant, field_name, "encode");
  if (value.type == nullptr || !value.value || *value.type != *e->type)
    return make_error(errc::type_mismatch,
                      "cannot encode field " + in_quotes(field_name) + " of custom variant " +
                          in_quotes(value.variant) + ": it holds " +
                          (value.type ? type_name(*value.type) : std::string{"no value"}) +
                          " but the variant is registered for " + type_name(*e->type) +
                          "; make the key and register_custom use the same type");
  auto data = e->encode(value.value.get());
  if (!data)
    return with_context("cannot encode field " + in_quotes(field_name) + " of custom variant " +
                            in_quotes(value.variant) + ": ",
                        data.error());
  return encoded_custom{e->content_type, std::move(*data)};
}

caf::expected<capitan::custom_value> custom_registry::decode(std::string_view variant,
                                                             std::string_view content_type,
                                                             std::string_view data,
                                                             std::string_view field_name,
                                                             unknown_custom policy) const {
  auto e = find(variant);
  if (!e) {
    if (policy == unknown_custom::reject)
      return unknown_variant(variant, field_name, "decode");
    return capitan::custom_value{std::string{variant},
                                 std::make_shared<const opaque_custom>(
                                     opaque_custom{std::string{content_type}, std::string{data}}),
                                 &typeid(opaque_custom)};
  }
  if (auto err = check_content_type(e->content_type, content_type))
    return with_context("cannot decode field " + in_quotes(field_name) + " of custom variant " +
                            in_quotes(variant) + ": ",
                        err);
  auto value = e->decode(data);
  if (!value)
    return with_context("cannot decode field " + in_quotes(field_name) + " of custom variant " +
                            in_quotes(variant) + ": ",
                        value.error());
  return capitan::custom_value{std::string{variant}, std::move(*value), e->type};
}

custom_registry& default_custom_registry() {
  static custom_registry instance;
  return instance;
}

} // namespace armada::serialization
