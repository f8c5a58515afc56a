#include "armada/ago/record.hpp"

#include <array>

#include <nlohmann/json.hpp>

#include "armada/ago/errc.hpp"
#include "armada/serialization/json_number.hpp"

namespace armada::ago {

namespace {
constexpr std::array<std::string_view, 6> state_names{"pending", "running", "compensating",
                                                      "completed", "failed", "stuck"};
constexpr std::array<std::string_view, 6> status_names{"pending", "running", "done",
                                                       "failed", "compensating", "compensated"};

template <class E, std::size_t N>
bool parse(std::string_view text, const std::array<std::string_view, N>& names, E& out) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == text) {
      out = static_cast<E>(i);
      return true;
    }
  return false;
}
} // namespace

std::string_view to_string(saga_state s) {
  return state_names.at(static_cast<std::size_t>(s));
}

std::string_view to_string(step_status s) {
  return status_names.at(static_cast<std::size_t>(s));
}

bool from_string(std::string_view text, saga_state& out) {
  return parse(text, state_names, out);
}

step_record* saga_record::find(std::string_view step) {
  for (auto& s : steps)
    if (s.name == step)
      return &s;
  return nullptr;
}

const step_record* saga_record::find(std::string_view step) const {
  return const_cast<saga_record*>(this)->find(step);
}

std::string to_json(const saga_record& r) {
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const auto& s : r.steps)
    steps.push_back({{"name", s.name},
                     {"unit", s.unit},
                     {"status", to_string(s.status)},
                     {"attempts", s.attempts},
                     {"compensation_attempts", s.compensation_attempts},
                     {"error", s.error},
                     {"wake_ms", s.wake_ms}});
  nlohmann::ordered_json j{{"id", r.id},
                           {"type", r.type},
                           {"state", to_string(r.state)},
                           {"position", r.position},
                           {"steps", std::move(steps)},
                           {"compensations", r.compensations},
                           {"data", r.lazy_data ? r.lazy_data->encode() : r.data},
                           {"error", r.error},
                           {"cancel_requested", r.cancel_requested},
                           {"created_ms", r.created_ms},
                           {"updated_ms", r.updated_ms},
                           {"deadline_ms", r.deadline_ms},
                           {"owner", r.owner},
                           {"lease_ms", r.lease_ms},
                           {"version", r.version}};
  return j.dump();
}

caf::expected<saga_record> record_from_json(std::string_view text) {
  try {
    auto j = nlohmann::json::parse(text);
    saga_record r;
    r.id = j.at("id").get<std::string>();
    r.type = j.at("type").get<std::string>();
    if (!from_string(j.at("state").get<std::string>(), r.state))
      return make_error(errc::bad_record, "saga record '" + r.id + "' has an unknown state '"
                                              + j.at("state").get<std::string>() + "'");
    r.position = serialization::integer_at<std::uint32_t>(j, "position");
    for (const auto& s : j.at("steps")) {
      step_record st;
      st.name = s.at("name").get<std::string>();
      st.unit = serialization::integer_at<std::uint32_t>(s, "unit");
      if (!parse(s.at("status").get<std::string>(), status_names, st.status))
        return make_error(errc::bad_record, "saga record '" + r.id + "': step '" + st.name
                                                + "' has an unknown status");
      st.attempts = serialization::integer_at<std::uint32_t>(s, "attempts");
      st.compensation_attempts = serialization::integer_at<std::uint32_t>(s, "compensation_attempts");
      st.error = s.at("error").get<std::string>();
      st.wake_ms = serialization::integer_at<std::int64_t>(s, "wake_ms");
      r.steps.push_back(std::move(st));
    }
    r.compensations = j.at("compensations").get<std::vector<std::string>>();
    r.data = j.at("data").get<std::string>();
    r.error = j.at("error").get<std::string>();
    r.cancel_requested = j.at("cancel_requested").get<bool>();
    r.created_ms = serialization::integer_at<std::int64_t>(j, "created_ms");
    r.updated_ms = serialization::integer_at<std::int64_t>(j, "updated_ms");
    r.deadline_ms = serialization::integer_at<std::int64_t>(j, "deadline_ms");
    r.owner = j.at("owner").get<std::string>();
    r.lease_ms = serialization::integer_at<std::int64_t>(j, "lease_ms");
    r.version = serialization::integer_at<std::uint64_t>(j, "version");
    return r;
  } catch (const std::exception& e) {
    return make_error(errc::bad_record, std::string{"a saga record could not be decoded ("} + e.what()
                                            + "); the store holds data of another version or application");
  }
}

} // namespace armada::ago
