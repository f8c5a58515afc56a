#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "armada/pipz/chainable.hpp"
#include "armada/pipz/copy_on_write.hpp"

namespace armada::pipz {

/// Runs its children one after another, each on the previous one's output. Stops at the first
/// error (path: sequence -> failing child ...) and, between steps, when the context's stop is
/// requested (cause `causes::canceled`). An empty sequence returns its input.
///
/// The editing operations (push, unshift, remove, replace, before, after, clear) may run while
/// other threads process: each call runs on the snapshot of the children it started with
/// (copy-on-write), so editing never blocks or disturbs a running call. Children are found
/// by name; the first match wins.
template <class T> class sequence final : public node<T> {
public:
  using children_type = std::vector<ref<T>>;

  explicit sequence(pipz::identity id, children_type children = {})
    : node<T>(std::move(id))
    , children_(std::move(children)) {}

  result<T> process(context& ctx, T input) override {
    auto snapshot = children_.load();
    for (const auto& child : *snapshot) {
      if (ctx.canceled()) [[unlikely]]
        return this->fail_with(ctx, std::move(input), std::make_exception_ptr(causes::canceled{}));
      auto r = child->process(ctx, std::move(input));
      if (!r.ok()) [[unlikely]] {
        r.error().prepend(this->id_);
        return r;
      }
      input = std::move(*r);
    }
    return input;
  }

  /// Appends nodes at the end.
  template <class... Nodes> void push(Nodes&&... nodes) {
    children_.update([&](children_type& v) { (v.push_back(ref<T>(nodes)), ...); });
  }

  /// Inserts nodes at the front, in the order given.
  template <class... Nodes> void unshift(Nodes&&... nodes) {
    children_type front{ref<T>(nodes)...};
    children_.update([&](children_type& v) { v.insert(v.begin(), front.begin(), front.end()); });
  }

  /// Removes the first child named `name`; false when there is none.
  bool remove(std::string_view name) {
    return children_.update([&](children_type& v) {
      auto i = find(v, name);
      if (i == v.end())
        return false;
      v.erase(i);
      return true;
    });
  }

  /// Replaces the first child named `name` with `replacement`; false when there is none.
  bool replace(std::string_view name, ref<T> replacement) {
    return children_.update([&](children_type& v) {
      auto i = find(v, name);
      if (i == v.end())
        return false;
      *i = std::move(replacement);
      return true;
    });
  }

  /// Inserts `node` before the first child named `name`; false when there is none.
  bool before(std::string_view name, ref<T> node) {
    return children_.update([&](children_type& v) {
      auto i = find(v, name);
      if (i == v.end())
        return false;
      v.insert(i, std::move(node));
      return true;
    });
  }

  /// Inserts `node` after the first child named `name`; false when there is none.
  bool after(std::string_view name, ref<T> node) {
    return children_.update([&](children_type& v) {
      auto i = find(v, name);
      if (i == v.end())
        return false;
      v.insert(i + 1, std::move(node));
      return true;
    });
  }

  /// Removes every child.
  void clear() {
    children_.update([](children_type& v) { v.clear(); });
  }

  /// The current children.
  children_type children() const { return *children_.load(); }

  /// The names of the current children, in order.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& c : *children_.load())
      out.push_back(c->identity().name());
    return out;
  }

  std::size_t size() const { return children_.load()->size(); }

  schema_node schema() const override {
    auto s = schema_node::of(this->id_, "sequence");
    s.flow = "sequential";
    for (const auto& c : *children_.load())
      s.children.push_back(c->schema());
    return s;
  }

  void close() override {
    for (const auto& c : *children_.load())
      c->close();
  }

private:
  static typename children_type::iterator find(children_type& v, std::string_view name) {
    return std::find_if(v.begin(), v.end(),
                        [&](const ref<T>& c) { return c->identity().name() == name; });
  }

  copy_on_write<children_type> children_;
};

} // namespace armada::pipz
