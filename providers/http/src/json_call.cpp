#include "armada/herald/json_call.hpp"

#include "armada/herald/errc.hpp"

namespace armada::herald::http {

std::string string_field(const nlohmann::json& object, const char* name) {
  if (!object.is_object())
    return {};
  auto i = object.find(name);
  return i != object.end() && i->is_string() ? i->get<std::string>() : std::string{};
}

namespace detail {

caf::expected<nlohmann::json> json_answer(const response& res, const std::string& what) {
  auto parsed = nlohmann::json::parse(res.body, nullptr, false);
  if (res.status == 200) {
    if (parsed.is_discarded())
      return make_error(errc::transport, what + " answered a malformed body: '" + res.body.substr(0, 200) + "'");
    return parsed;
  }
  std::string text = res.body.substr(0, 300);
  if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("error") && parsed["error"].is_object())
    text = string_field(parsed["error"], "status") + ": " + string_field(parsed["error"], "message");
  return make_error(errc::transport, what + " failed with HTTP " + std::to_string(res.status) + ": " + text);
}

} // namespace detail

caf::expected<nlohmann::json> json_call(client& c, const std::string& who, const std::string& method,
                                        const std::string& target, const nlohmann::json& body, int* status) {
  request r;
  r.method = method;
  r.target = target;
  if (method != "GET" && method != "DELETE") {
    r.headers = {{"Content-Type", "application/json"}};
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  auto res = c.call(std::move(r));
  if (!res)
    return res.error();
  if (status != nullptr)
    *status = res->status;
  return detail::json_answer(*res, who + ": " + method + " " + target + " at " + c.endpoint());
}

} // namespace armada::herald::http
