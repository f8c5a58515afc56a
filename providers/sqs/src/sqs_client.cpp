#include "armada/herald/sqs_client.hpp"

#include <cstdlib>

#include "armada/herald/errc.hpp"
#include "armada/herald/redact.hpp"
#include "armada/herald/json_call.hpp"
#include "armada/herald/sqs.hpp"
#include "sqs_subscription.hpp"

namespace armada::herald::sqs {

namespace {

/// `com.amazonaws.sqs#QueueDoesNotExist` → `QueueDoesNotExist`.
std::string short_type(std::string type) {
  if (auto hash = type.rfind('#'); hash != std::string::npos)
    type.erase(0, hash + 1);
  if (auto colon = type.find(':'); colon != std::string::npos)
    type.erase(colon);
  return type;
}

bool throttled(const http::response& r) {
  if (http::default_retryable(r))
    return true;
  return r.status == 400
         && (r.body.find("Throttl") != std::string::npos || r.body.find("RequestThrottled") != std::string::npos
             || r.body.find("RequestLimitExceeded") != std::string::npos);
}

std::string fix_for(const std::string& type, int status) {
  if (type == "InvalidClientTokenId" || type == "SignatureDoesNotMatch" || type == "UnrecognizedClientException"
      || type == "InvalidSignatureException" || type == "MissingAuthenticationToken" || status == 403)
    return "; check the credentials (properties access-key-id / secret-access-key, or AWS_ACCESS_KEY_ID / "
           "AWS_SECRET_ACCESS_KEY) and the region";
  if (type == "QueueDoesNotExist" || type == "NonExistentQueue")
    return "; the queue was deleted or lives in another region (check the region property)";
  return {};
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

} // namespace

std::string masked(std::string_view text) { return herald::redact(text); }


caf::expected<settings> read_settings(std::string_view text, std::string_view scheme) {
  std::string who = std::string{scheme} + " provider";
  auto shown = masked(text);
  auto u = url::parse(text);
  if (!u)
    return url::parse(shown).error();
  if (u->scheme != scheme)
    return make_error(errc::config, who + ": URL scheme must be '" + std::string{scheme} + "', got '" + u->scheme
                                      + "' (" + std::string{scheme} + "://host:port?region=…; plain http to that endpoint)");
  if (u->host.empty() || u->port == 0)
    return make_error(errc::config, who + ": the URL needs a host and a port, e.g. " + std::string{scheme} + "://127.0.0.1:4566 (got "
                                      + shown + ")");
  auto props = properties::resolve(scheme, *u, property_specs());
  if (!props)
    return props.error();
  settings s;
  s.host = u->host;
  s.port = u->port;
  s.shown = shown;
  s.region = props->get("region");
  if (s.region.empty())
    s.region = env("AWS_REGION");
  if (s.region.empty())
    s.region = env("AWS_DEFAULT_REGION");
  if (s.region.empty())
    s.region = "us-east-1";
  s.creds = aws::credentials{props->get("access-key-id"), props->get("secret-access-key"), props->get("session-token")}
              .or_environment();
  if (s.creds.access_key_id.empty() || s.creds.secret_access_key.empty())
    return make_error(errc::config, who + ": no credentials: set the properties access-key-id and "
                                    "secret-access-key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                                    "(moto_server accepts any values)");
  s.queue_prefix = props->get("queue-prefix");
  s.fifo = props->boolean("fifo");
  s.visibility = props->millis("visibility-timeout");
  if (s.visibility < std::chrono::seconds{1} || s.visibility > std::chrono::hours{12})
    return make_error(errc::config, who + ": property 'visibility-timeout' must be 1000 to 43200000 ms, got "
                                      + props->get("visibility-timeout"));
  s.connect_timeout = props->millis("connect-timeout");
  s.request_timeout = props->millis("request-timeout");
  if (s.connect_timeout.count() <= 0 || s.request_timeout.count() <= 0)
    return make_error(errc::config, who + ": properties 'connect-timeout' and 'request-timeout' must be > 0 ms");
  auto attempts = props->integer("max-attempts");
  if (attempts < 1 || attempts > 100)
    return make_error(errc::config, who + ": property 'max-attempts' must be 1 to 100, got " + props->get("max-attempts"));
  s.max_attempts = static_cast<int>(attempts);
  return s;
}

caf::expected<std::unique_ptr<subscription_driver>> subscribe_queue(const settings& s, const std::string& queue_topic,
                                                                      const std::string& topic) {
  auto sub = std::make_unique<subscription>(s, queue_topic, topic);
  if (auto err = sub->start())
    return err;
  return std::unique_ptr<subscription_driver>{std::move(sub)};
}

http::client_options client_options(const settings& s, const std::string& who, const std::string& hint) {
  http::client_options o;
  o.who = who;
  o.host = s.host;
  o.port = s.port;
  o.hint = hint;
  o.connect_timeout = s.connect_timeout;
  o.request_timeout = s.request_timeout;
  o.max_attempts = s.max_attempts;
  return o;
}

namespace detail {

caf::expected<nlohmann::json> read_answer(const http::response& res, const std::string& action,
                                          const std::string& endpoint, api_failure* failure) {
  auto parsed = nlohmann::json::parse(res.body, nullptr, false);
  if (res.status == 200) {
    if (parsed.is_discarded() && !res.body.empty())
      return make_error(errc::transport, "sqs provider: " + action + " at " + endpoint
                                           + " answered a malformed body (not JSON): '" + res.body.substr(0, 200)
                                           + "'; is this endpoint SQS?");
    return parsed.is_discarded() ? nlohmann::json::object() : parsed;
  }
  api_failure f;
  if (!parsed.is_discarded() && parsed.is_object()) {
    f.type = short_type(http::string_field(parsed, "__type"));
    f.text = parsed.contains("message") ? http::string_field(parsed, "message") : http::string_field(parsed, "Message");
  }
  if (f.type.empty()) { // the query protocol's header, or an answer that is not SQS's
    f.type = short_type(res.header("x-amzn-query-error"));
    f.text = res.body.substr(0, 200);
  }
  if (failure != nullptr)
    *failure = f;
  return make_error(errc::transport, "sqs provider: " + action + " at " + endpoint + " failed with HTTP "
                                       + std::to_string(res.status) + (f.type.empty() ? "" : " " + f.type) + ": "
                                       + f.text + fix_for(f.type, res.status));
}

} // namespace detail

api::api(const settings& s)
  : s_(s), client_(client_options(s, "sqs provider", "is moto_server (or SQS) listening there? see scripts/servers")) {}

caf::expected<nlohmann::json> api::call(const std::string& action, const nlohmann::json& body,
                                        std::chrono::milliseconds extra_wait, api_failure* failure) {
  http::request r;
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "AmazonSQS." + action}};
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (extra_wait.count() > 0)
    r.timeout = s_.request_timeout + extra_wait;
  auto host = client_.host_header();
  auto res = client_.call(std::move(r), throttled, [&](http::request& req) {
    aws::sign_request(req, host, s_.region, "sqs", s_.creds);
  });
  if (!res)
    return res.error();
  return detail::read_answer(*res, action, client_.endpoint(), failure);
}

caf::expected<std::string> api::queue_url(const std::string& topic) {
  if (auto i = urls_.find(topic); i != urls_.end())
    return i->second;
  auto name = queue_name(s_.queue_prefix, topic, s_.fifo);
  if (!name)
    return name.error();
  api_failure f;
  auto got = call("GetQueueUrl", {{"QueueName", *name}}, std::chrono::milliseconds{0}, &f);
  if (!got && f.type != "QueueDoesNotExist" && f.type != "NonExistentQueue")
    return got.error();
  if (!got) {
    nlohmann::json body{{"QueueName", *name}};
    if (s_.fifo)
      body["Attributes"] = {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "false"}};
    got = call("CreateQueue", body);
    if (!got)
      return got.error();
  }
  auto url = got->value("QueueUrl", std::string{});
  if (url.empty())
    return make_error(errc::transport, "sqs provider: the answer for queue '" + *name + "' at " + client_.endpoint()
                                         + " has no QueueUrl");
  urls_[topic] = url;
  return url;
}

} // namespace armada::herald::sqs
