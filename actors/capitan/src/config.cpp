#include "armada/capitan/config.hpp"

#include <algorithm>

#include <caf/config_value.hpp>
#include <caf/expected.hpp>

#include "armada/capitan/errc.hpp"
#include "armada/runtime/error.hpp"

namespace armada::capitan {

namespace {

caf::error make_config_error(errc code, std::string text) {
  return armada::make_error(static_cast<std::uint8_t>(code), error_category,
                            "capitan config: " + std::move(text));
}

// Returns the position of a syntax error in `pattern`, or npos.
std::size_t glob_syntax_error(std::string_view pattern) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '[')
      continue;
    auto j = i + 1;
    if (j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^'))
      ++j;
    if (j < pattern.size() && pattern[j] == ']')
      ++j; // a leading ']' is a member
    while (j < pattern.size() && pattern[j] != ']')
      ++j;
    if (j >= pattern.size())
      return i;
    i = j;
  }
  return std::string_view::npos;
}

bool class_match(std::string_view pattern, std::size_t& i, char c) {
  // pattern[i] == '[' and the class is well formed (validated before).
  ++i;
  bool negate = false;
  if (pattern[i] == '!' || pattern[i] == '^') {
    negate = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  while (first || pattern[i] != ']') {
    first = false;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      if (pattern[i] <= c && c <= pattern[i + 2])
        matched = true;
      i += 3;
    } else {
      if (pattern[i] == c)
        matched = true;
      ++i;
    }
  }
  ++i; // skip ']'
  return matched != negate;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    auto prev = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      auto cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

} // namespace

bool is_glob(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

bool glob_match(std::string_view pattern, std::string_view name) {
  if (glob_syntax_error(pattern) != std::string_view::npos)
    return false;
  std::size_t p = 0, n = 0;
  std::size_t star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_n = n;
      continue;
    }
    if (p < pattern.size()) {
      auto q = p;
      bool ok;
      if (pattern[p] == '[')
        ok = class_match(pattern, q, name[n]);
      else {
        ok = pattern[p] == '?' || pattern[p] == name[n];
        ++q;
      }
      if (ok) {
        p = q;
        ++n;
        continue;
      }
    }
    if (star_p == std::string_view::npos)
      return false;
    p = star_p + 1;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

config& config::set(std::string pattern, signal_config settings) {
  for (auto& [p, s] : entries_) {
    if (p == pattern) {
      s = std::move(settings);
      return *this;
    }
  }
  entries_.emplace_back(std::move(pattern), std::move(settings));
  return *this;
}

caf::error config::validate() const {
  for (auto& [pattern, s] : entries_) {
    auto where = "entry '" + pattern + "'";
    if (pattern.empty())
      return make_config_error(errc::bad_pattern, "an entry has an empty pattern; name a signal "
                                                  "or use a glob such as 'order.*'");
    if (auto pos = glob_syntax_error(pattern); pos != std::string_view::npos)
      return make_config_error(errc::bad_pattern,
                               "pattern '" + pattern + "' does not parse: '[' at position "
                                 + std::to_string(pos) + " has no closing ']'; close the class "
                                 "or remove the '['");
    if (!is_glob(pattern) && strict_ && !is_known_signal(pattern)) {
      std::string hint;
      std::size_t best = 4;
      for (auto& known : known_signals()) {
        auto d = edit_distance(known.name(), pattern);
        if (d < best) {
          best = d;
          hint = " (did you mean '" + known.name() + "'?)";
        }
      }
      return make_config_error(errc::unknown_signal,
                               "unknown signal '" + pattern + "'" + hint
                                 + "; fix the name, use a glob, or call strict(false) to "
                                   "configure signals defined later");
    }
    if (s.buffer_size && *s.buffer_size <= 0)
      return make_config_error(errc::invalid_config,
                               where + ": buffer-size must be at least 1 event, got "
                                 + std::to_string(*s.buffer_size));
    if (s.max_listeners && *s.max_listeners < 0)
      return make_config_error(errc::invalid_config,
                               where + ": max-listeners must be >= 0 (0 = unlimited), got "
                                 + std::to_string(*s.max_listeners));
    if (s.rate_limit && !(*s.rate_limit >= 0))
      return make_config_error(errc::invalid_config,
                               where + ": rate-limit must be >= 0 events/s (0 = off), got "
                                 + std::to_string(*s.rate_limit));
    if (s.burst && *s.burst < 1)
      return make_config_error(errc::invalid_config, where + ": burst must be at least 1, got "
                                                       + std::to_string(*s.burst));
  }
  return caf::none;
}

const signal_config* config::match(std::string_view name) const {
  const signal_config* best = nullptr;
  std::size_t best_len = 0;
  for (auto& [pattern, s] : entries_) {
    if (!is_glob(pattern)) {
      if (pattern == name)
        return &s; // exact beats any glob
      continue;
    }
    if ((best == nullptr || pattern.size() > best_len) && glob_match(pattern, name)) {
      best = &s;
      best_len = pattern.size();
    }
  }
  return best;
}

caf::expected<config> config::from_settings(const caf::settings& root) {
  config result;
  auto section = caf::get_if<caf::settings>(&root, "capitan.signals");
  if (!section)
    return result;
  for (auto& [pattern, value] : *section) {
    auto entry = caf::get_if<caf::settings>(&value);
    auto where = "capitan.signals." + pattern;
    if (!entry)
      return make_config_error(errc::invalid_config,
                               where + " must be a section such as { buffer-size = 64 }");
    signal_config s;
    for (auto& [name, v] : *entry) {
      // Init-captures: clang before 16 cannot capture structured bindings (the fuzz build).
      auto bad = [&where, &name = name, &v = v](std::string_view expected) {
        return make_config_error(errc::invalid_config, where + "." + name + " must be "
                                                         + std::string{expected} + ", got "
                                                         + caf::to_string(v));
      };
      if (name == "buffer-size" || name == "max-listeners" || name == "burst") {
        auto i = caf::get_if<caf::config_value::integer>(&v);
        if (!i)
          return bad("an integer");
        (name == "buffer-size" ? s.buffer_size : name == "burst" ? s.burst : s.max_listeners) = *i;
      } else if (name == "disabled") {
        auto b = caf::get_if<bool>(&v);
        if (!b)
          return bad("true or false");
        s.disabled = *b;
      } else if (name == "rate-limit") {
        if (auto d = caf::get_if<double>(&v))
          s.rate_limit = *d;
        else if (auto i = caf::get_if<caf::config_value::integer>(&v))
          s.rate_limit = static_cast<double>(*i);
        else
          return bad("a number of events per second");
      } else if (name == "min-severity" || name == "policy") {
        auto text = caf::get_if<std::string>(&v);
        std::string str;
        if (text)
          str = *text;
        else if (auto a = caf::get_if<caf::atom_value>(&v))
          str = caf::to_string(*a);
        else
          return bad("a string");
        if (name == "min-severity") {
          severity sev;
          if (!from_string(str, sev))
            return bad("one of debug, info, warn, error");
          s.min_severity = sev;
        } else if (str == "block") {
          s.policy = drop_policy::block;
        } else if (str == "drop_newest" || str == "drop-newest") {
          s.policy = drop_policy::drop_newest;
        } else {
          return bad("block or drop_newest");
        }
      } else {
        return make_config_error(errc::invalid_config,
                                 "unknown option " + where + "." + name
                                   + "; known: buffer-size, disabled, min-severity, "
                                     "max-listeners, policy, rate-limit, burst");
      }
    }
    result.set(pattern, s);
  }
  if (auto err = result.validate())
    return err;
  return result;
}

} // namespace armada::capitan
