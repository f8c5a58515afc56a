#pragma once

#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>

#include "armada/pipz/chainable.hpp"
#include "armada/pipz/copy_on_write.hpp"

namespace armada::pipz {

/// Routes each value to one child chosen by a key: `route(ctx, value)` returns the key, the
/// child registered for it processes the value (path: switch -> child ...). With no child for
/// the key: the default route when one is set, else the value passes through unchanged. An
/// exception from `route` becomes the error. Routes may be edited while other threads process
/// (copy-on-write). Named `switch_` because `switch` is a keyword; its schema type is
/// "switch". Key must be ordered (`<`).
template <class T, class Key = std::string> class switch_ final : public node<T> {
public:
  using condition = std::function<Key(context&, const T&)>;

  switch_(pipz::identity id, condition route)
    : node<T>(std::move(id))
    , route_(std::move(route)) {}

  result<T> process(context& ctx, T input) override {
    std::optional<Key> key;
    try {
      key.emplace(route_(ctx, input));
    } catch (...) {
      return this->fail_with(ctx, std::move(input), std::current_exception());
    }
    auto snapshot = table_.load();
    auto i = snapshot->routes.find(*key);
    const ref<T>& target = i != snapshot->routes.end() ? i->second : snapshot->fallback;
    if (!target)
      return input;
    return this->pass_up(target->process(ctx, std::move(input)));
  }

  /// Sets (or replaces) the child for `key`.
  void add_route(Key key, ref<T> child) {
    table_.update([&](table& t) { t.routes[std::move(key)] = std::move(child); });
  }

  /// Removes the child for `key`; false when there was none.
  bool remove_route(const Key& key) {
    return table_.update([&](table& t) { return t.routes.erase(key) > 0; });
  }

  /// The child for keys without a route (null: pass through).
  void set_default(ref<T> child) {
    table_.update([&](table& t) { t.fallback = std::move(child); });
  }

  std::size_t routes() const { return table_.load()->routes.size(); }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "switch");
    s.flow = "conditional";
    auto snapshot = table_.load();
    for (const auto& [key, child] : snapshot->routes) {
      s.children.push_back(child->schema());
      s.children.back().role = key_text(key);
    }
    if (snapshot->fallback) {
      s.children.push_back(snapshot->fallback->schema());
      s.children.back().role = "default";
    }
    return s;
  }

  void close() override {
    auto snapshot = table_.load();
    for (const auto& [key, child] : snapshot->routes)
      child->close();
    if (snapshot->fallback)
      snapshot->fallback->close();
  }

private:
  struct table {
    std::map<Key, ref<T>> routes;
    ref<T> fallback;
  };

  static std::string key_text(const Key& key) {
    if constexpr (std::is_convertible_v<const Key&, std::string>) {
      return std::string(key);
    } else {
      std::ostringstream out;
      if constexpr (std::is_enum_v<Key>)
        out << static_cast<std::underlying_type_t<Key>>(key);
      else
        out << key;
      return out.str();
    }
  }

  condition route_;
  copy_on_write<table> table_;
};

} // namespace armada::pipz
