#include "firestore_client.hpp"

#include <limits>

#include "armada/herald/errc.hpp"
#include "armada/herald/json_call.hpp"
#include "armada/runtime/error.hpp"
#include "armada/serialization/base64.hpp"
#include "armada/serialization/json_number.hpp"

namespace armada::herald::firestore {

namespace {

/// Integer field `name` of a document's `fields` (Firestore writes int64 as a decimal string);
/// 0 when missing or not an int64.
std::int64_t int_field(const nlohmann::json& fields, const char* name) {
  if (!fields.is_object() || !fields.contains(name) || !fields[name].contains("integerValue"))
    return 0;
  return serialization::integer_from<std::int64_t>(fields[name]["integerValue"], true).value_or(0);
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

std::vector<document> documents_of(const nlohmann::json& answer) {
  std::vector<document> out;
  if (!answer.is_array())
    return out;
  for (auto& row : answer) {
    if (!row.contains("document") || !row["document"].is_object())
      continue;
    auto& d = row["document"];
    document doc;
    doc.name = http::string_field(d, "name");
    doc.update_time = http::string_field(d, "updateTime");
    auto fields = d.contains("fields") ? d["fields"] : nlohmann::json::object();
    doc.lease_until = int_field(fields, "lease_until");
    auto attempts = int_field(fields, "attempts");
    doc.attempts = attempts > 0 && attempts <= std::numeric_limits<std::uint32_t>::max()
                     ? static_cast<std::uint32_t>(attempts) : 0;
    if (fields.is_object() && fields.contains("e")) {
      if (auto bytes = serialization::base64_decode(http::string_field(fields["e"], "bytesValue")))
        doc.envelope = std::move(*bytes);
    }
    out.push_back(std::move(doc));
  }
  return out;
}

caf::expected<std::vector<document>> api::oldest(const std::string& collection, std::int64_t limit) {
  nlohmann::json q{{"structuredQuery",
                    {{"from", {{{"collectionId", collection}}}},
                     {"orderBy", {{{"field", {{"fieldPath", "seq"}}}, {"direction", "ASCENDING"}}}},
                     {"limit", limit}}}};
  auto r = call("POST", ":runQuery", q);
  if (!r)
    return r.error();
  return documents_of(*r);
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
  return update_time_of(*r);
}

std::string update_time_of(const nlohmann::json& answer) {
  if (answer.contains("writeResults") && answer["writeResults"].is_array() && !answer["writeResults"].empty())
    return http::string_field(answer["writeResults"][0], "updateTime");
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
