#include "firestore_client.hpp"

#include "armada/herald/errc.hpp"
#include "armada/herald/json_call.hpp"
#include "armada/runtime/error.hpp"
#include "armada/serialization/base64.hpp"

namespace armada::herald::firestore {

namespace {

std::int64_t int_field(const nlohmann::json& fields, const char* name) {
  if (!fields.contains(name) || !fields[name].contains("integerValue"))
    return 0;
  auto& v = fields[name]["integerValue"];
  return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<std::int64_t>();
}

/// A commit refused because the document changed or went away meanwhile (someone else won).
bool lost_race(int status, const caf::error& err) {
  if (status != 400 && status != 404 && status != 409)
    return false;
  auto text = describe(err);
  return text.find("FAILED_PRECONDITION") != std::string::npos || text.find("NOT_FOUND") != std::string::npos
         || text.find("ABORTED") != std::string::npos;
}

nlohmann::json integer(std::int64_t v) {
  return {{"integerValue", std::to_string(v)}};
}

} // namespace

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string safe_id(const std::string& name) {
  std::string id = name;
  for (auto& c : id)
    if (c == '/')
      c = '-';
  if (id.empty() || id == "." || id == ".." || id.rfind("__", 0) == 0)
    id = "h-" + id;
  return id;
}

api::api(const settings& s)
  : s_(s), client_([&] {
      http::client_options o;
      o.who = "firestore provider";
      o.host = s.host;
      o.port = s.port;
      o.hint = "is the Firestore emulator listening there? see scripts/servers";
      o.connect_timeout = s.connect_timeout;
      o.request_timeout = s.request_timeout;
      o.max_attempts = s.max_attempts;
      return o;
    }()) {}

caf::expected<nlohmann::json> api::call(const std::string& method, const std::string& path, const nlohmann::json& body,
                                        int* status) {
  return http::json_call(client_, "firestore provider", method, "/v1/" + root() + path, body, status);
}

caf::error api::create(const std::string& collection, const std::string& id, const nlohmann::json& fields) {
  int status = 0;
  auto r = call("POST", "/" + collection + "?documentId=" + id, {{"fields", fields}}, &status);
  if (!r && status != 409) // 409: the same message id was stored before (a retried publish)
    return r.error();
  return caf::none;
}

caf::expected<std::vector<document>> api::oldest(const std::string& collection, std::int64_t limit) {
  nlohmann::json q{{"structuredQuery",
                    {{"from", {{{"collectionId", collection}}}},
                     {"orderBy", {{{"field", {{"fieldPath", "seq"}}}, {"direction", "ASCENDING"}}}},
                     {"limit", limit}}}};
  auto r = call("POST", ":runQuery", q);
  if (!r)
    return r.error();
  std::vector<document> out;
  if (!r->is_array())
    return out;
  for (auto& row : *r) {
    if (!row.contains("document"))
      continue;
    auto& d = row["document"];
    document doc;
    doc.name = d.value("name", std::string{});
    doc.update_time = d.value("updateTime", std::string{});
    auto fields = d.contains("fields") ? d["fields"] : nlohmann::json::object();
    doc.lease_until = int_field(fields, "lease_until");
    doc.attempts = static_cast<std::uint32_t>(int_field(fields, "attempts"));
    if (fields.contains("e") && fields["e"].contains("bytesValue")) {
      auto bytes = serialization::base64_decode(fields["e"]["bytesValue"].get<std::string>());
      if (bytes)
        doc.envelope = std::move(*bytes);
    }
    out.push_back(std::move(doc));
  }
  return out;
}

caf::expected<nlohmann::json> api::commit(const nlohmann::json& write, int* status) {
  return call("POST", ":commit", {{"writes", {write}}}, status);
}

caf::expected<std::string> api::set_lease(const std::string& doc, const std::string& update_time,
                                          std::int64_t lease_until, std::int64_t attempts) {
  nlohmann::json fields{{"lease_until", integer(lease_until)}};
  nlohmann::json mask = {"lease_until"};
  if (attempts >= 0) {
    fields["attempts"] = integer(attempts);
    mask.push_back("attempts");
  }
  int status = 0;
  auto r = commit({{"update", {{"name", doc}, {"fields", fields}}},
                   {"updateMask", {{"fieldPaths", mask}}},
                   {"currentDocument", {{"updateTime", update_time}}}},
                  &status);
  if (!r) {
    if (lost_race(status, r.error()))
      return std::string{};
    return r.error();
  }
  if (r->contains("writeResults") && !(*r)["writeResults"].empty())
    return (*r)["writeResults"][0].value("updateTime", std::string{});
  return std::string{};
}

caf::expected<bool> api::remove(const std::string& doc, const std::string& update_time) {
  int status = 0;
  auto r = commit({{"delete", doc}, {"currentDocument", {{"updateTime", update_time}}}}, &status);
  if (!r) {
    if (lost_race(status, r.error()))
      return false;
    return r.error();
  }
  return true;
}

} // namespace armada::herald::firestore
