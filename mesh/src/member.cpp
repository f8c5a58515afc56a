#include "armada/aegis/member.hpp"

#include <algorithm>
#include <limits>
#include <tuple>
#include <utility>

namespace armada::aegis {

namespace {

bool contains(const std::vector<std::string>& xs, std::string_view x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

} // namespace

std::string_view to_string(member_status s) {
  switch (s) {
    case member_status::alive: return "alive";
    case member_status::suspect: return "suspect";
    case member_status::dead: return "dead";
    case member_status::left: return "left";
  }
  return "unknown";
}

bool member_info::has_tag(std::string_view t) const { return contains(tags, t); }
bool member_info::offers(std::string_view service) const { return contains(services, service); }
bool member_info::in_room(std::string_view room) const { return contains(rooms, room); }

bool supersedes(const member_info& a, const member_info& b) {
  return std::tie(a.incarnation, a.revision, a.status) > std::tie(b.incarnation, b.revision, b.status);
}

member_table::member_table(member_info self) : self_(std::move(self)) {
  self_.status = static_cast<std::uint8_t>(member_status::alive);
}

std::vector<member_info> member_table::all() const {
  std::vector<member_info> result;
  result.reserve(others_.size() + 1);
  bool self_added = false;
  for (auto& [id, m] : others_) {
    if (!self_added && self_.id < id) {
      result.push_back(self_);
      self_added = true;
    }
    result.push_back(m);
  }
  if (!self_added)
    result.push_back(self_);
  return result;
}

std::vector<member_info> member_table::live_peers() const {
  std::vector<member_info> result;
  for (auto& [id, m] : others_)
    if (m.is_live())
      result.push_back(m);
  return result;
}

std::optional<member_info> member_table::find(const std::string& id) const {
  if (id == self_.id)
    return self_;
  if (auto i = others_.find(id); i != others_.end())
    return i->second;
  return std::nullopt;
}

std::optional<member_info> member_table::find_live(const std::string& key) const {
  if (key == self_.id || key == self_.name)
    return self_;
  if (auto i = others_.find(key); i != others_.end() && i->second.is_live())
    return i->second;
  for (auto& [id, m] : others_)
    if (m.name == key && m.is_live())
      return m;
  return std::nullopt;
}

std::optional<member_change> member_table::merge(const member_info& entry) {
  if (entry.id.empty())
    return std::nullopt;
  if (entry.id == self_.id) {
    // No incarnation outbids the largest one, and no honest member gets there (one step per
    // refutation): such a claim is ignored rather than wrapped around to 0.
    if (entry.incarnation == std::numeric_limits<std::uint64_t>::max())
      return std::nullopt;
    if (entry.state() != member_status::alive && self_.state() == member_status::alive
        && entry.incarnation >= self_.incarnation) {
      auto before = self_;
      self_.incarnation = entry.incarnation + 1;
      return member_change{std::move(before), self_};
    }
    return std::nullopt;
  }
  auto i = others_.find(entry.id);
  if (i == others_.end()) {
    others_.emplace(entry.id, entry);
    return member_change{member_info{}, entry};
  }
  if (!supersedes(entry, i->second))
    return std::nullopt;
  auto before = std::exchange(i->second, entry);
  return member_change{std::move(before), entry};
}

std::optional<member_change> member_table::mark(const std::string& id, member_status s) {
  auto i = others_.find(id);
  if (i == others_.end() || i->second.status >= static_cast<std::uint8_t>(s))
    return std::nullopt;
  auto before = i->second;
  i->second.status = static_cast<std::uint8_t>(s);
  return member_change{std::move(before), i->second};
}

std::uint64_t member_table::topology_digest() const {
  // FNV-1a over the ordered (id, incarnation, status) triples.
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* p, std::size_t n) {
    auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ull;
    }
  };
  for (auto& m : all()) {
    mix(m.id.data(), m.id.size());
    mix(&m.incarnation, sizeof m.incarnation);
    mix(&m.status, sizeof m.status);
  }
  return h;
}

} // namespace armada::aegis
