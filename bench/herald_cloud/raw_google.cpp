#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "armada/serialization/base64.hpp"
#include "herald_run.hpp"
#include "raw_cloud.hpp"
#include "raw_http.hpp"

namespace armada::bench {

namespace {

using clk = std::chrono::steady_clock;
using nlohmann::json;

} // namespace

figures raw_pubsub(const std::string& host, std::uint16_t port, const std::string& project, const std::string& name,
                   std::size_t n, std::size_t size) {
  figures f;
  raw_http c{host, port};
  auto root = "/v1/projects/" + project + "/";
  c.json("PUT", root + "topics/" + name, "{}");
  c.json("PUT", root + "subscriptions/" + name,
         json{{"topic", "projects/" + project + "/topics/" + name}, {"ackDeadlineSeconds", 30}}.dump());
  auto data = serialization::base64_encode(std::string(size, 'x'));
  auto start = clk::now();
  for (std::size_t i = 0; i < n;) {
    json batch = json::array();
    for (std::size_t j = 0; j < 1000 && i < n; ++j, ++i)
      batch.push_back({{"data", data}, {"attributes", {{"message-id", std::to_string(i)}}}});
    c.json("POST", root + "topics/" + name + ":publish", json{{"messages", batch}}.dump());
  }
  f.publish = rate(n, clk::now() - start);
  std::size_t got = 0;
  auto consuming = clk::now(); // the consume loop's start, as herald's is its subscribe
  auto deadline = clk::now() + std::chrono::minutes{5};
  while (got < n && clk::now() < deadline) {
    auto r = json::parse(c.json("POST", root + "subscriptions/" + name + ":pull",
                                json{{"maxMessages", 1000}, {"returnImmediately", true}}.dump()));
    if (!r.contains("receivedMessages") || r["receivedMessages"].empty())
      continue;
    json ids = json::array();
    for (auto& m : r["receivedMessages"])
      ids.push_back(m["ackId"]);
    got += ids.size();
    c.json("POST", root + "subscriptions/" + name + ":acknowledge", json{{"ackIds", ids}}.dump());
  }
  if (got < n)
    std::fprintf(stderr, "raw pubsub: only %zu of %zu messages within 5 minutes\n", got, n);
  f.consume = rate(got, clk::now() - consuming);
  return f;
}

figures raw_firestore(const std::string& host, std::uint16_t port, const std::string& project,
                      const std::string& collection, std::size_t n, std::size_t size) {
  figures f;
  raw_http c{host, port};
  auto root = "/v1/projects/" + project + "/databases/(default)/documents";
  auto data = serialization::base64_encode(std::string(size, 'x'));
  auto start = clk::now();
  for (std::size_t i = 0; i < n; ++i)
    c.json("POST", root + "/" + collection + "?documentId=m" + std::to_string(i),
           json{{"fields", {{"seq", {{"integerValue", std::to_string(i)}}}, {"e", {{"bytesValue", data}}}}}}.dump());
  f.publish = rate(n, clk::now() - start);
  json query{{"structuredQuery",
              {{"from", {{{"collectionId", collection}}}},
               {"orderBy", {{{"field", {{"fieldPath", "seq"}}}, {"direction", "ASCENDING"}}}},
               {"limit", 100}}}};
  std::size_t got = 0;
  auto consuming = clk::now(); // the consume loop's start, as herald's is its subscribe
  auto deadline = clk::now() + std::chrono::minutes{5};
  while (got < n && clk::now() < deadline) {
    for (auto& row : json::parse(c.json("POST", root + ":runQuery", query.dump()))) {
      if (!row.contains("document"))
        continue;
      ++got;
      auto a = c.send("DELETE", "/v1/" + row["document"]["name"].get<std::string>(), {}, {});
      if (a.status != 200) {
        std::fprintf(stderr, "raw firestore: delete answered %d: %s\n", a.status, a.body.substr(0, 300).c_str());
        std::exit(1);
      }
    }
  }
  if (got < n)
    std::fprintf(stderr, "raw firestore: only %zu of %zu messages within 5 minutes\n", got, n);
  f.consume = rate(got, clk::now() - consuming);
  return f;
}

} // namespace armada::bench
